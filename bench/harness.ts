// What every benchmark shares: quick or full mode, cleanups that run even on failure (and on
// Ctrl-C), a real appliance (the built CLI) or a bare embedded nats-server on free ports in a
// temp dir, a JetStream client to read the bus's own bookkeeping, percentiles, RSS, the table.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { startEmbeddedServer } from '../src/bus/embedded-server.js';
import { readEmbeddedToken } from '../src/bus/embedded-token.js';
import type { LoadConfig, LoadMessage } from './load-sender.js';

/** The compiled tree this file runs from (dist/ under `npm run bench`). */
export const distRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = join(distRoot, 'src', 'cli', 'main.js');
/** The checkout (switchboard.yaml, functions/): the first folder above the build with package.json. */
export const repoRoot = findUp(distRoot, 'package.json');

function findUp(from: string, file: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${file} above ${from}`);
  }
}

export interface BenchContext {
  /** Shorter runs for development (BENCH_QUICK=1 or --quick); the table says so. */
  readonly quick: boolean;
  /** Set by the bus-ceiling benchmark; end-to-end divides by it. */
  busCeiling?: number;
}

/** `full` in a full run, `quick` in a quick one. */
export const pick = <T>(ctx: { readonly quick: boolean }, full: T, quick: T): T => (ctx.quick ? quick : full);

export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  /** undefined: informational, no target. */
  readonly met: boolean | undefined;
}

export interface BenchResult {
  readonly rows: Row[];
  readonly notes: string[];
}

// ---------------------------------------------------------------------------------- cleanup

/** LIFO cleanups; each benchmark runs its own in `finally`, and Ctrl-C runs all outstanding. */
export class Cleanups {
  static readonly #live = new Set<Cleanups>();
  readonly #steps: (() => Promise<unknown> | unknown)[] = [];

  constructor() {
    Cleanups.#live.add(this);
  }

  defer(step: () => Promise<unknown> | unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    Cleanups.#live.delete(this);
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        process.stderr.write(`bench: a cleanup step failed: ${String(err)}\n`);
      }
    }
  }

  static async runAll(): Promise<void> {
    for (const c of [...Cleanups.#live]) await c.run();
  }
}

export async function tempDir(cleanups: Cleanups, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sb-bench-${prefix}-`));
  cleanups.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `check` returns something other than undefined/false, or throw at the deadline. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 20): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Wall clock in ms with sub-ms resolution, comparable across processes of this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

export const silentLogger = pino({ level: 'silent' });

// ------------------------------------------------------------------------------------- bus

export interface BusClient {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
}

export async function connectBus(cleanups: Cleanups, url: string, token: string): Promise<BusClient> {
  const nc = await connect({ servers: url, token, name: 'switchboard-bench' });
  cleanups.defer(() => nc.close());
  return { nc, jsm: await jetstreamManager(nc), js: jetstream(nc) };
}

/** The product's embedded nats-server (same config as the appliance's) on a free port. */
export async function startBareBus(cleanups: Cleanups): Promise<{ url: string; token: string; dataDir: string }> {
  const dataDir = join(await tempDir(cleanups, 'bus'), 'data');
  const token = 'bench-token-' + Math.random().toString(36).slice(2);
  const server = await startEmbeddedServer({ dataDir, port: await freePort(), token, logger: silentLogger });
  cleanups.defer(() => server.stop());
  return { url: server.url, token, dataDir };
}

// ------------------------------------------------------------------------------- appliance

export interface ApplianceOptions {
  /** Everything after the bus/http/functions/log blocks (sources:, subscriptions:). */
  readonly yamlBody: string;
  /** Files under functions/: relative path → content. */
  readonly functions?: Record<string, string>;
  /** More keys of the functions: block, in YAML. */
  readonly functionsYaml?: string;
  readonly env?: Record<string, string>;
  /** Extra node flags for the appliance process (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
  readonly logLevel?: string;
}

export interface BenchAppliance {
  readonly dir: string;
  readonly baseUrl: string;
  readonly busUrl: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** The embedded nats-server's pid (from its pid file). */
  natsPid(): Promise<number>;
  /** A client on the appliance's embedded bus (token from its data dir). */
  bus(): Promise<BusClient>;
  /** SIGTERM and wait (SIGKILL of the group and the bus after a grace). */
  stop(): Promise<void>;
}

/** A temp folder with switchboard.yaml (free ports, temp store) and functions/, then `switchboard start`. */
export async function startAppliance(cleanups: Cleanups, options: ApplianceOptions): Promise<BenchAppliance> {
  const dir = await tempDir(cleanups, 'appliance');
  const httpPort = await freePort();
  const busPort = await freePort();
  for (const [name, content] of Object.entries(options.functions ?? {})) {
    const path = join(dir, 'functions', name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  await mkdir(join(dir, 'functions'), { recursive: true });
  const configFile = join(dir, 'switchboard.yaml');
  await writeFile(configFile, [
    'apiVersion: switchboard/v1',
    'bus:',
    '  url: embedded',
    '  dataDir: ./data',
    `  port: ${busPort}`,
    'http:',
    `  listen: 127.0.0.1:${httpPort}`,
    'functions:',
    '  dir: ./functions',
    ...(options.functionsYaml ? options.functionsYaml.split('\n').map((l) => `  ${l}`) : []),
    'log:',
    `  level: ${options.logLevel ?? 'info'}`,
    options.yamlBody,
  ].join('\n'));
  return launchAppliance(cleanups, { dir, configFile, httpPort, env: options.env, nodeFlags: options.nodeFlags, dataDir: join(dir, 'data') });
}

export interface LaunchOptions {
  readonly dir: string;
  readonly configFile: string;
  readonly httpPort: number;
  readonly dataDir: string;
  readonly env?: Record<string, string>;
  readonly nodeFlags?: readonly string[];
  /** Where stdout (the JSON log) goes; default a file in `dir`. */
  readonly logFile?: string;
}

/** Starts `switchboard start --config <file>` in its own process group and waits for /readyz. */
export async function launchAppliance(cleanups: Cleanups, o: LaunchOptions): Promise<BenchAppliance> {
  const logFile = o.logFile ?? join(o.dir, 'appliance.log');
  const log = await open(logFile, 'w');
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), cliPath, 'start', '--config', o.configFile], {
    cwd: o.dir,
    detached: true, // its own process group: a kill reaches its workers
    stdio: ['ignore', log.fd, 'pipe'],
    env: { ...process.env, ...o.env },
  });
  await log.close();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const baseUrl = `http://127.0.0.1:${o.httpPort}`;
  const natsPid = async () => Number((await readFile(join(o.dataDir, 'nats-server.pid'), 'utf8')).trim());
  const killAll = async () => {
    const nats = await natsPid().catch(() => 0);
    for (const pid of [-child.pid!, nats]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    if (!gone) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => void killAll(), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await killAll(); // leftovers (a worker that outlived a crash, the bus after a failed drain)
  })());
  cleanups.defer(stop);
  const tail = async () => `${stderr}\n${(await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')}`;
  try {
    await until(async () => {
      if (gone) throw new Error(`the appliance exited before it was ready:\n${await tail()}`);
      return fetch(`${baseUrl}/readyz`).then((r) => r.ok, () => false);
    }, 60_000, 'the appliance /readyz', 50);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await tail()}`);
  }
  const busUrl = `nats://127.0.0.1:${JSON.parse(await readFile(join(o.dataDir, 'nats-server.conf'), 'utf8')).listen.split(':').pop()}`;
  let client: Promise<BusClient> | undefined;
  return {
    dir: o.dir, baseUrl, busUrl, child, logFile, natsPid, stop,
    bus: () => (client ??= readEmbeddedToken(o.dataDir).then((token) => connectBus(cleanups, busUrl, token))),
  };
}

// ------------------------------------------------------------------------------ processes

/** Resident set size in bytes (VmRSS), 0 when the process is gone. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** Proportional set size in bytes (shared pages split between their users), 0 when gone. */
export async function pssBytes(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kb = /Pss:\s+(\d+) kB/.exec(rollup)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** CPU seconds (user, system) a process has used so far, 0 when it is gone (CLK_TCK 100). */
export async function cpuSeconds(pid: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return { user: 0, system: 0 };
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** pid → parent pid of every process now. */
export async function processParents(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces and parentheses: split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(name), ppid);
  }
  return parents;
}

/** Every process below `root` (not `root` itself). */
export function descendantsOf(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

// ---------------------------------------------------------------------------------- numbers

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (values: readonly number[]) => percentile([...values].sort((a, b) => a - b), 50);

export const fmt = {
  rate: (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`,
  ms: (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
};

export function formatTable(rows: readonly Row[]): string {
  const header = ['figure', 'measured', 'target', 'met'];
  const cells = rows.map((r) => [r.figure, r.value, r.target, r.met === undefined ? '-' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------ load

export interface LoadRun {
  readonly done: Promise<Extract<LoadMessage, { kind: 'done' }>>;
  /** The latest progress report (accepted so far, at wall-clock ms). */
  progress(): { accepted: number; at: number };
  stop(): void;
  /** Closed-loop senders wait (hold) until told to go on. */
  hold(): void;
  go(): void;
  readonly pid: number;
}

/** Forks bench/load-sender.js: the load comes from a process of its own. */
export function startLoad(cleanups: Cleanups, config: LoadConfig): LoadRun {
  const child = fork(join(distRoot, 'bench', 'load-sender.js'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanups.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let latest = { accepted: 0, at: wallMs() };
  const done = new Promise<Extract<LoadMessage, { kind: 'done' }>>((resolve, reject) => {
    child.on('message', (m: LoadMessage) => {
      if (m.kind === 'progress') latest = { accepted: m.accepted, at: m.at };
      else resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`the load process exited with ${code} before reporting`)));
  });
  return { done, progress: () => latest, stop: () => void (child.connected && child.send('stop')),
    hold: () => void (child.connected && child.send('hold')),
    go: () => void (child.connected && child.send('go')),
    pid: child.pid!,
  };
}
