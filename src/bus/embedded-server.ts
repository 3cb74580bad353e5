// Starts and supervises the appliance's own nats-server with JetStream (`bus.url: embedded`).
// It listens on loopback only; its store lives under dataDir. A server left running by a
// crashed appliance (found through its pid file) is stopped before a new one starts, so two
// servers never share one store.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BusServerFailedError, BusServerMissingError } from '../errors.js';
import { findOnPath } from './find-on-path.js';

export interface EmbeddedServerOptions {
  readonly dataDir: string;
  readonly port: number;
  /** Clients must present this token (see embedded-token.ts). */
  readonly token: string;
  readonly logger: Logger;
  /** Largest message the server accepts. */
  readonly maxPayloadBytes?: number;
  readonly readyTimeoutMs?: number;
}

export interface EmbeddedServer {
  readonly url: string;
  /** Stop supervising and shut the server down (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

const restartDelaysMs = [250, 500, 1_000, 2_000, 5_000];
const stopGraceMs = 10_000;

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const binary = await findOnPath('nats-server');
  if (!binary) {
    throw new BusServerMissingError(
      'bus.url is "embedded" but nats-server is not on PATH. Install it (Debian: sudo apt-get install -y nats-server) ' +
        'or point bus.url at an existing NATS cluster (nats://host:4222).',
    );
  }
  const { dataDir, port, logger } = options;
  await mkdir(join(dataDir, 'jetstream'), { recursive: true });
  const pidFile = join(dataDir, 'nats-server.pid');
  const configFile = join(dataDir, 'nats-server.conf');
  await stopStaleServer(pidFile, logger);
  if (await canConnect(port)) {
    throw new BusServerFailedError(
      `port ${port} on 127.0.0.1 is already in use by another program, so the embedded nats-server cannot listen there. ` +
        'Stop that program or set bus.port to a free port.',
    );
  }
  // The config holds the token: readable by the appliance's user only.
  await writeFile(configFile, serverConfig(options, pidFile), { mode: 0o600 });

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const launch = async (): Promise<void> => {
    // Its own process group: Ctrl-C on the appliance's terminal must not stop the bus under a
    // drain; the appliance stops it last. (systemd units use KillMode=mixed for the same reason.)
    const started = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: embeddedServerEnv(process.env) });
    child = started;
    const stderrTail: string[] = [];
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line) stderrTail.push(line);
      stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
    });
    const exited = new Promise<string>((resolve) => {
      started.once('exit', (code, signal) => resolve(`exited (code ${code}, signal ${signal})`));
      started.once('error', (err) => resolve(`could not start: ${err.message}`));
    });
    const ready = await Promise.race([
      waitForPort(port, options.readyTimeoutMs ?? 30_000).then(
        () => undefined,
        (err: Error) => err.message,
      ),
      exited,
    ]);
    if (ready !== undefined) {
      await terminate(started); // never leave a half-started server holding the store
      throw new BusServerFailedError(
        `embedded nats-server ${ready} before it was ready: ${stderrTail.slice(-5).join(' | ') || 'no output'}. ` +
          `Check that port ${port} is free (bus.port) and ${dataDir} is writable.`,
      );
    }
    void exited.then((why) => {
      if (stopping || child !== started) return;
      const delay = restartDelaysMs[Math.min(restarts, restartDelaysMs.length - 1)]!;
      restarts += 1;
      logger.error({ restarts, delayMs: delay, stderr: stderrTail.slice(-5) }, `embedded nats-server ${why}; restarting`);
      setTimeout(() => relaunch(), delay).unref();
    });
  };

  const relaunch = (): void => {
    if (stopping) return;
    launch().then(
      () => {
        restarts = 0;
        logger.info({ port }, 'embedded nats-server restarted');
      },
      (err: unknown) => {
        logger.error({ err }, 'embedded nats-server did not restart');
        if (!stopping) setTimeout(() => relaunch(), restartDelaysMs.at(-1)).unref();
      },
    );
  };

  await launch();
  logger.info({ port, dataDir }, 'embedded nats-server ready');

  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      stopping = true;
      if (child) await terminate(child);
      await rm(pidFile, { force: true });
    },
  };
}

function serverConfig(options: EmbeddedServerOptions, pidFile: string): string {
  // JSON is valid nats-server config syntax, and quoting paths this way is always safe.
  return JSON.stringify(
    {
      server_name: 'switchboard',
      listen: `127.0.0.1:${options.port}`,
      pid_file: pidFile,
      max_payload: options.maxPayloadBytes ?? 8 * 1024 * 1024,
      authorization: { token: options.token },
      jetstream: { store_dir: join(options.dataDir, 'jetstream') },
    },
    null,
    2,
  );
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
  await exited;
  clearTimeout(timer);
}

/** A server whose pid file survived a crash of the appliance still holds the store: stop it. */
async function stopStaleServer(pidFile: string, logger: Logger): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !(await isNatsServer(pid))) return;
  logger.warn({ pid }, 'stopping a nats-server left running by an earlier appliance');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + stopGraceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

async function isNatsServer(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('nats-server');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    await sleep(25);
  }
  throw new BusServerFailedError(`embedded nats-server did not accept connections on port ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The Go runtime's soft memory limit for the embedded bus, unless the operator set one: Go
 * otherwise lets the heap double past what is live and hands freed memory back to the system
 * only over minutes, so a burst left nats-server holding several times its idle size
 * (bench/RESULTS.md, figure 7). Near the limit it collects sooner and returns memory; it is
 * soft, so a bus that needs more still gets it (the collector's CPU is capped).
 */
export const embeddedServerMemoryLimit = '64MiB';

export function embeddedServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env['GOMEMLIMIT'] ? env : { ...env, GOMEMLIMIT: embeddedServerMemoryLimit };
}
