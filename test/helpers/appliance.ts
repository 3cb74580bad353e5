// Runs the real appliance (`switchboard start`, the built CLI) as its own process group on
// free ports with a temporary data dir, so tests can SIGTERM it, or SIGKILL it together
// with its embedded nats-server, exactly as an operator's machine would.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(projectRoot, 'dist', 'src', 'cli', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ApplianceFixture {
  readonly dir: string;
  readonly configFile: string;
  readonly httpPort: number;
  readonly busPort: number;
  readonly baseUrl: string;
  /** Files to write under the functions folder: relative path → content. */
  write(relative: string, content: string): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * A temp folder with switchboard.yaml and functions/. `yamlBody` is everything after the
 * bus/http/functions blocks (sources:, subscriptions:), in YAML.
 */
export async function createFixture(options: {
  yamlBody: string;
  functions?: Record<string, string>;
  bus?: string;
  /** An existing NATS server instead of the embedded one. */
  busUrl?: string;
  /** More keys of the functions: block, in YAML (e.g. 'secretsDir: ./secrets'). */
  functionsYaml?: string;
  shutdownTimeout?: string;
}): Promise<ApplianceFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-appliance-'));
  const httpPort = await freePort();
  const busPort = await freePort();
  const configFile = join(dir, 'switchboard.yaml');
  await mkdir(join(dir, 'functions'), { recursive: true });
  const write = async (relative: string, content: string) => {
    const path = join(dir, 'functions', relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  };
  for (const [name, content] of Object.entries(options.functions ?? {})) await write(name, content);
  await writeFile(
    configFile,
    [
      'apiVersion: switchboard/v1',
      'bus:',
      `  url: ${options.busUrl ?? 'embedded'}`,
      '  dataDir: ./data',
      `  port: ${busPort}`,
      ...(options.bus ? options.bus.split('\n').map((l) => `  ${l}`) : []),
      'http:',
      `  listen: 127.0.0.1:${httpPort}`,
      'functions:',
      '  dir: ./functions',
      ...(options.functionsYaml ? options.functionsYaml.split('\n').map((l) => `  ${l}`) : []),
      'log:',
      '  level: debug',
      `shutdownTimeout: ${options.shutdownTimeout ?? '10s'}`,
      options.yamlBody,
    ].join('\n'),
  );
  return {
    dir, configFile, httpPort, busPort,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    write,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface RunningAppliance {
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL the appliance's process group (its workers) and its embedded nats-server. */
  killGroup(): Promise<void>;
  /** SIGINT to the whole process group, as Ctrl-C in a terminal does; resolves to the exit code. */
  interruptGroup(): Promise<number | null>;
}

export async function startAppliance(fixture: ApplianceFixture, options: { env?: Record<string, string> } = {}): Promise<RunningAppliance> {
  const child = spawn(process.execPath, [cliPath, 'start', '--config', fixture.configFile], {
    cwd: fixture.dir,
    detached: true, // its own process group, so killGroup reaches nats-server too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, APPLIANCE_CANARY: 'appliance-secret', ...options.env },
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: RunningAppliance = {
    child, logs, exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async killGroup() {
      const natsPid = Number(await readFile(join(fixture.dir, 'data', 'nats-server.pid'), 'utf8').catch(() => ''));
      for (const pid of [-child.pid!, natsPid]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
    async interruptGroup() {
      process.kill(-child.pid!, 'SIGINT');
      return exited;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const exitedEarly = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
    if (exitedEarly) throw new Error(`appliance exited before it was ready:\n${stderr}\n${JSON.stringify(logs.slice(-10))}`);
    if (Date.now() > deadline) {
      await running.killGroup();
      throw new Error(`appliance not ready in 30 s:\n${stderr}\n${JSON.stringify(logs.slice(-10))}`);
    }
    const ready = await fetch(`${fixture.baseUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) return running;
  }
}

/** Run the CLI to completion. */
export async function runCli(args: string[], cwd?: string) {
  return execa(process.execPath, [cliPath, ...args], { cwd, reject: false, timeout: 30_000 });
}

/** Poll `check` until it returns a value other than undefined/false, or fail at the deadline. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
