// Pre-started generic Node workers. Starting a Node process costs tens of milliseconds; a
// function's first invocation (or a scale-up) should pay only its module load. A spare is a
// worker already running in the sandbox with nothing to do; when a function needs a worker,
// the appliance copies the function's files into the spare's private folder, hands it the
// function's environment, and it loads the function from there (worker.ts #adopt).
//
// The permission model fixes what a process may read when it starts, so a spare may read
// only its own temp dir: the function comes to it as a copy, never by a grant on the
// functions folder (which would let one function read another). Only functions a spare can
// run exactly as a dedicated worker would are adopted: JavaScript, with network, the
// default memory limit, and small enough to copy in well under a process start.

import type { ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { Logger } from 'pino';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import { forkWorkerProcess } from './fork-worker.js';
import { parseChildMessage } from './protocol.js';

/** Past these a copy costs more than the process start it saves: the function gets its own fork. */
const MAX_COPY_BYTES = 4 * 1024 * 1024;
const MAX_COPY_FILES = 400;
/** A spare that dies this soon after starting, twice running, stops the refilling (a broken node). */
const EARLY_EXIT_MS = 2_000;

export interface SpareWorkerSettings {
  /** How many to keep ready; 0 turns them off. */
  readonly count: number;
  /** Their heap limit: functions with another `memory` get a worker of their own. */
  readonly memoryMb: number;
  readonly workerMain: string;
  readonly tmpRoot: string;
  readonly bubblewrap: () => Promise<string | undefined>;
  readonly logger: Logger;
}

/** A ready spare, taken out of the pool: the taker owns the process and its temp dir. */
export interface Spare {
  readonly child: ChildProcess;
  /** Its private temp dir (real path), removed by whoever owns the spare when it exits. */
  readonly tempDir: string;
}

/** A spare with a function copied in. */
export interface AdoptedSpare extends Spare {
  /** The copied module to load. */
  readonly entry: string;
  /** The folder of the copy: the function's working directory. */
  readonly cwd: string;
  /** Secret name → path of its copy, readable by the worker. */
  readonly secretFiles: Readonly<Record<string, string>>;
}

interface Starting {
  readonly spare: Spare;
  ready: boolean;
  readonly startedAt: number;
}

export class SpareWorkers {
  readonly #settings: SpareWorkerSettings;
  readonly #pool = new Set<Starting>();
  #closed = false;
  #earlyExits = 0;
  #filling: Promise<void> | undefined;

  constructor(settings: SpareWorkerSettings) {
    this.#settings = settings;
  }

  /** Whether a spare could run this function as its own worker would. */
  fits(definition: FunctionDefinition): boolean {
    const m = definition.manifest;
    return this.#settings.count > 0 && definition.runtime === 'javascript' && m.network && m.memoryMb === this.#settings.memoryMb;
  }

  /** Starts spares up to the count, in the background. */
  fill(): void {
    if (this.#closed || this.#filling || this.#earlyExits >= 2) return;
    this.#filling = (async () => {
      while (!this.#closed && this.#pool.size < this.#settings.count && this.#earlyExits < 2) await this.#startOne();
    })()
      .catch((err: unknown) => this.#settings.logger.warn({ err }, 'could not pre-start a generic worker; functions start their own'))
      .finally(() => { this.#filling = undefined; });
  }

  /**
   * A ready spare with `definition`'s files copied in, or undefined (none ready, the function
   * does not fit, or it is too big to copy). Refills in the background.
   */
  async adopt(definition: FunctionDefinition): Promise<AdoptedSpare | undefined> {
    if (!this.fits(definition)) return undefined;
    const starting = [...this.#pool].find((s) => s.ready);
    if (!starting) return undefined;
    this.#pool.delete(starting);
    const { spare } = starting;
    spare.child.removeAllListeners('exit');
    spare.child.removeAllListeners('message');
    this.fill();
    try {
      const copied = await copyFunction(definition, spare.tempDir);
      if (copied) return { ...spare, ...copied };
    } catch (err) {
      this.#settings.logger.warn({ err, function: definition.name }, 'could not copy a function into a pre-started worker; starting one of its own');
    }
    await discard(spare);
    return undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#filling;
    await Promise.all([...this.#pool].map((s) => discard(s.spare)));
    this.#pool.clear();
  }

  /** The spares' pids (tests, status). */
  get pids(): number[] {
    return [...this.#pool].filter((s) => s.ready).map((s) => s.spare.child.pid!).filter(Boolean);
  }

  async #startOne(): Promise<void> {
    const settings = this.#settings;
    const bwrap = await settings.bubblewrap();
    const made = await mkdtemp(join(settings.tmpRoot, 'switchboard-spare-'));
    const tempDir = await realpath(made);
    let child: ChildProcess;
    try {
      child = forkWorkerProcess({
        workerMain: settings.workerMain, bwrap, tempDir, readablePaths: [], memoryMb: settings.memoryMb,
        network: true, sourceMaps: false, env: {}, cwd: tempDir,
      });
    } catch (err) {
      await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
    const starting: Starting = { spare: { child, tempDir }, ready: false, startedAt: Date.now() };
    this.#pool.add(starting);
    // Nothing reads a spare's output until it is adopted; keep the pipes drained.
    child.stdout?.resume();
    child.stderr?.resume();
    await new Promise<void>((resolve) => {
      child.on('message', (raw) => {
        if (parseChildMessage(raw)?.type !== 'ready') return;
        starting.ready = true;
        this.#earlyExits = 0;
        resolve();
      });
      child.once('exit', (code, signal) => {
        resolve();
        if (!this.#pool.delete(starting)) return;
        void rm(tempDir, { recursive: true, force: true });
        if (this.#closed) return;
        if (Date.now() - starting.startedAt < EARLY_EXIT_MS) this.#earlyExits += 1;
        if (this.#earlyExits >= 2) settings.logger.warn({ code, signal }, 'pre-started generic workers keep exiting at start; functions start their own workers');
        else this.fill();
      });
    });
  }
}

async function discard(spare: Spare): Promise<void> {
  if (spare.child.exitCode === null && spare.child.signalCode === null) {
    const exited = new Promise((resolve) => spare.child.once('exit', resolve));
    spare.child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
  await rm(spare.tempDir, { recursive: true, force: true });
}

/** Size of a folder in bytes and files, stopping once past the copy limits. */
async function measure(folder: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (bytes > MAX_COPY_BYTES || files > MAX_COPY_FILES) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        files += 1;
        bytes += (await stat(path)).size;
      }
    }
  };
  await walk(folder);
  return { bytes, files };
}

/**
 * Copies the function (its folder, or its single file) and its secrets into the spare's
 * temp dir; undefined when it is too big to be worth it.
 */
async function copyFunction(definition: FunctionDefinition, tempDir: string): Promise<Omit<AdoptedSpare, keyof Spare> | undefined> {
  const source = definition.readablePaths[0]!;
  const isFolder = (await stat(source)).isDirectory();
  if (isFolder) {
    const size = await measure(source);
    if (size.bytes > MAX_COPY_BYTES || size.files > MAX_COPY_FILES) return undefined;
  }
  const cwd = join(tempDir, 'function');
  await mkdir(cwd, { recursive: true });
  if (isFolder) await cp(source, cwd, { recursive: true, dereference: true });
  else await cp(source, join(cwd, basename(source)));
  const entry = isFolder ? join(cwd, relative(source, definition.entry)) : join(cwd, basename(source));
  const secretFiles: Record<string, string> = {};
  if (definition.manifest.secrets.length > 0) {
    const dir = join(tempDir, 'secrets');
    await mkdir(dir, { mode: 0o700 });
    for (const secret of definition.manifest.secrets) {
      const file = join(dir, secret.name);
      await writeFile(file, await readFile(secret.file), { mode: 0o400 });
      await chmod(file, 0o400);
      secretFiles[secret.name] = file;
    }
  }
  return { entry, cwd, secretFiles };
}
