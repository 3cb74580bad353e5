// Pre-started generic Node workers. Starting a Node process costs tens of milliseconds; a
// function's first invocation (or a scale-up) should pay only its module load. A spare is a
// worker already running in the sandbox with nothing to do; when a function needs a worker,
// the appliance copies the function's files into the spare's private folder, hands it the
// function's environment, and it loads the function from there (worker.ts #adopt).
//
// The permission model and the bubblewrap mounts fix what a process may read when it
// starts, so a spare may read only its own private area (worker-area.ts): the function comes
// to it as a copy, never by a grant on the functions folder (which would let one function
// read another). The copy and the secrets go into the area's `files`, which the spare may
// read and never write (bound read-only, files added later show through the bind); only
// `tmp` is writable. Only functions a spare can run exactly as a dedicated worker would are
// adopted: JavaScript, with network, the default memory limit, and small enough to copy in
// well under a process start.

import type { ChildProcess } from 'node:child_process';
import { chmod, cp, lstat, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { Logger } from 'pino';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import { bindsFor, forkWorkerProcess, type WorkerJail } from './fork-worker.js';
import { parseChildMessage } from './protocol.js';
import { isUnder } from './system-view.js';
import { createWorkerArea, type WorkerArea } from './worker-area.js';

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
  readonly jail: () => Promise<WorkerJail | undefined>;
  readonly logger: Logger;
}

/** A ready spare, taken out of the pool: the taker owns the process and its area. */
export interface Spare {
  readonly child: ChildProcess;
  /** Its private area, removed by whoever owns the spare when it exits. */
  readonly area: WorkerArea;
}

/** A spare with a function copied in (its secrets are the adopter's to copy: worker.ts). */
export interface AdoptedSpare extends Spare {
  /** The copied module to load. */
  readonly entry: string;
  /** The folder of the copy: the function's working directory. */
  readonly cwd: string;
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
      const copied = await copyFunction(definition, spare.area.filesDir);
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
    const jail = await settings.jail();
    const area = await createWorkerArea(settings.tmpRoot, 'spare', jail?.runAs);
    const { tempDir, filesDir } = area;
    let child: ChildProcess;
    try {
      const binds = jail ? await bindsFor([settings.workerMain, filesDir], jail) : [];
      child = forkWorkerProcess({
        workerMain: settings.workerMain, jail, tempDir, readablePaths: [filesDir], memoryMb: settings.memoryMb,
        network: true, sourceMaps: false, env: {}, cwd: tempDir,
      }, binds);
    } catch (err) {
      await rm(area.root, { recursive: true, force: true });
      throw err;
    }
    const starting: Starting = { spare: { child, area }, ready: false, startedAt: Date.now() };
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
        void rm(area.root, { recursive: true, force: true });
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
  await rm(spare.area.root, { recursive: true, force: true });
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
 * Copies the function (its folder, or its single file) into the spare's read-only files;
 * undefined when it is too big to be worth it. A symlink is followed only when it stays
 * inside the function's folder: the appliance copies with its own rights, so one pointing
 * out (at the secrets folder, another function) would hand the function a file it may not
 * read. It is left out, as the reload snapshot does.
 */
async function copyFunction(definition: FunctionDefinition, filesDir: string): Promise<Omit<AdoptedSpare, keyof Spare> | undefined> {
  const source = definition.readablePaths[0]!;
  const isFolder = (await stat(source)).isDirectory();
  if (isFolder) {
    const size = await measure(source);
    if (size.bytes > MAX_COPY_BYTES || size.files > MAX_COPY_FILES) return undefined;
  }
  const cwd = join(filesDir, 'function');
  await mkdir(cwd);
  await chmod(cwd, 0o755);
  if (isFolder) {
    const realSource = await realpath(source);
    const staysInside = async (path: string): Promise<boolean> => {
      if (!(await lstat(path)).isSymbolicLink()) return true;
      const target = await realpath(path).catch(() => undefined);
      return target !== undefined && (target === realSource || isUnder(target, realSource));
    };
    await cp(source, cwd, { recursive: true, dereference: true, filter: (src) => staysInside(src) });
  } else {
    await cp(source, join(cwd, basename(source)));
  }
  const entry = isFolder ? join(cwd, relative(source, definition.entry)) : join(cwd, basename(source));
  return { entry, cwd };
}
