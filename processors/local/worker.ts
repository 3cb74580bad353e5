// The parent side of one worker process: forks it into its sandbox, loads the function once,
// then runs invocations one at a time, each bounded by its timeout. Several may be queued on
// it (worker-pool.ts hands a fast function's waiting events over together): they go to the
// child in one message and run there in order (protocol.ts). Whatever the process does
// (throws, exits, runs out of memory, loops, sends garbage), the outcome is a CallResult and
// the appliance carries on; a worker that did not come back clean is dead and never reused.

import type { ChildProcess } from 'node:child_process';
import { realpath, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import type { Invocation } from '../processor.js';
import * as failures from './failures.js';
import type { CallResult, ProcessExit } from './failures.js';
import { parseChildMessage, type ChildMessage, type ParentMessage, type WireCall, type WireError } from './protocol.js';
import { WorkerOutput } from './worker-output.js';
import { buildWorkerEnv } from './permissions.js';
import { bindsFor, forkWorkerProcess, type WorkerJail } from './fork-worker.js';
import { copySecrets, createWorkerArea, type RunAs } from './worker-area.js';
import type { LoadableModule } from './function-modules.js';
import type { AdoptedSpare, SpareWorkers } from './spare-workers.js';

export interface WorkerSettings {
  readonly workerMain: string;
  /** Each worker gets a private area under this (worker-area.ts), removed when it exits. */
  readonly tmpRoot: string;
  readonly logger: Logger;
  readonly maxLogLineLength: number;
  /** Starting and loading a worker (functions.loadTimeout); the invocation's timeout starts at the call. */
  readonly loadTimeoutMs: number;
  /** The bubblewrap sandbox to run workers in (fork-worker.ts), or undefined to fork them directly. */
  readonly jail: () => Promise<WorkerJail | undefined>;
  /** Pre-started generic workers to adopt the function instead of forking (spare-workers.ts). */
  readonly spares?: SpareWorkers;
  /** The module a worker loads (TypeScript compiled first); by default the entry itself. */
  readonly loadable?: (definition: FunctionDefinition) => Promise<LoadableModule>;
}

/** How long an idle worker's `shutdown()` may run before the worker is killed anyway. */
export const shutdownGraceMs = 2_000;

/** Why the appliance killed a worker: decides what a running invocation is told. */
export type StopReason = 'timeout' | 'shutdown' | 'retired';

/** Loading the function (module and init()). */
interface PendingLoad {
  /** Absent while a worker is pre-started (minWarm): nobody's event is waiting on it. */
  readonly invocation?: Invocation;
  readonly timeoutMs: number;
  settle(result: CallResult): void;
}

/** An invocation queued on the worker; the first in the queue is the one running. */
interface QueuedCall {
  readonly invocation: Invocation;
  readonly wire: WireCall;
  settle(result: CallResult): void;
}

/** What `switchboard functions list` shows of a worker. */
export interface WorkerStatus {
  readonly pid: number | undefined;
  readonly state: 'starting' | 'idle' | 'busy';
  readonly invocations: number;
  readonly startedAt: string;
}

/** A function's failed load leaves the child a moment to print where (worker-main.ts). */
const LOAD_FAILURE_EXIT_GRACE_MS = 1000;

async function withRealPaths(paths: readonly string[]): Promise<string[]> {
  // The permission model checks the path as used; an import resolves symlinks and reads
  // both the link and its target, so grant both spellings.
  const real = await Promise.all(paths.map((p) => realpath(p).catch(() => p)));
  return [...new Set([...paths, ...real])];
}

export class FunctionWorker {
  readonly definition: FunctionDefinition;
  /** When it last finished an invocation; the pool's idle retirement reads it. */
  idleSince = Date.now();
  /** Invocations it has run (the pool recycles it after manifest.maxInvocations). */
  invocations = 0;
  readonly startedAt = new Date();
  /** Settles once the process is gone and its private area removed. */
  readonly exited: Promise<void>;
  readonly #settings: WorkerSettings;
  readonly #logger: Logger;
  readonly #output: WorkerOutput;
  readonly #onExit: (worker: FunctionWorker) => void;
  #markExited!: () => void;
  #child: ChildProcess | undefined;
  /** Its private area on the host (worker-area.ts), removed when it exits. */
  #area: string | undefined;
  /** What the worker imports: the entry, or the module compiled from it (see #start). */
  #moduleFile: string | undefined;
  #loaded = false;
  #loadError: WireError | undefined;
  #loading: PendingLoad | undefined;
  /** Sent (or about to be) and not yet answered, in the order the child runs them. */
  readonly #calls: QueuedCall[] = [];
  /** Calls waiting for the next send: those queued in one turn go in one message. */
  #unsent: WireCall[] = [];
  #sendScheduled = false;
  /** The running call's time limit. */
  #callTimer: NodeJS.Timeout | undefined;
  #stopReason: StopReason | undefined;
  #gone = false;

  constructor(definition: FunctionDefinition, settings: WorkerSettings, onExit: (worker: FunctionWorker) => void) {
    this.definition = definition;
    this.#settings = settings;
    this.#logger = settings.logger.child({ function: definition.name });
    this.#output = new WorkerOutput(this.#logger, settings.maxLogLineLength);
    this.#onExit = onExit;
    this.exited = new Promise((resolve) => { this.#markExited = resolve; });
  }

  /** Can take another invocation: not exited, not being killed. */
  get alive(): boolean {
    return !this.#gone && this.#stopReason === undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Loaded: invocations may be queued on it without another load. */
  get loaded(): boolean {
    return this.#loaded;
  }

  status(): WorkerStatus {
    const state = this.#calls.length > 0 ? 'busy' : this.#loaded ? 'idle' : 'starting';
    return { pid: this.pid, state, invocations: this.invocations, startedAt: this.startedAt.toISOString() };
  }

  /**
   * Starts the process and loads the function (module and init()) ahead of any event:
   * minWarm's provisioned workers. Resolves to the failure when it cannot.
   */
  async prepare(): Promise<CallResult> {
    return this.#ready(undefined);
  }

  /**
   * Runs one invocation; the first one also starts the process and loads the function. The
   * result carries what the function said meanwhile (for its invocation record), however
   * the invocation ended: 'close' settles a crash only after stdio drained. Calls made while
   * one runs queue behind it; one the worker died before starting comes back notStarted.
   */
  async invoke(invocation: Invocation): Promise<CallResult> {
    const { invocationId, attempt, event, timeoutMs } = invocation;
    this.#output.startCapture(invocationId);
    const ready = await this.#ready(invocation);
    if (!ready.ok) return this.#withOutput(invocationId, ready);
    if (!this.alive) return this.#withOutput(invocationId, failures.notStarted(this.definition.name));
    const wire: WireCall = { invocationId, event, context: { functionName: this.definition.name, invocationId, attempt, timeoutMs } };
    return new Promise((resolve) => {
      this.#calls.push({ invocation, wire, settle: resolve });
      this.#unsent.push(wire);
      if (this.#calls.length === 1) {
        // An idle worker starts at once; what queues behind it goes together a moment later.
        this.#armCallTimer();
        this.#send();
      } else if (!this.#sendScheduled) {
        this.#sendScheduled = true;
        setImmediate(() => this.#send());
      }
    });
  }

  #withOutput(invocationId: string, result: CallResult): CallResult {
    const output = this.#output.finishCapture(invocationId);
    return output ? { ...result, output } : result;
  }

  #send(): void {
    this.#sendScheduled = false;
    const calls = this.#unsent;
    if (calls.length === 0 || this.#gone) return;
    this.#unsent = [];
    try {
      // A send error means the channel is gone; 'close' then settles every call.
      this.#child?.send({ type: 'invoke', calls } satisfies ParentMessage, (error) => { if (error) this.#logger.debug({ err: error }, 'send to function worker failed'); });
    } catch (error) {
      this.#logger.warn({ err: error, workerPid: this.pid }, 'the events cannot be sent to the function worker; killing it');
      this.#child?.kill('SIGKILL');
    }
  }

  #armCallTimer(): void {
    clearTimeout(this.#callTimer);
    const running = this.#calls[0];
    this.#callTimer = running ? setTimeout(() => this.#timeout(), running.invocation.timeoutMs) : undefined;
  }

  /** The running call answered: settle it (once its stdout is read), start the next one's clock. */
  #answered(result: CallResult): void {
    const call = this.#calls.shift()!;
    this.#armCallTimer();
    // Raw stdout written before the result arrives on its own pipe: read what is there.
    setImmediate(() => {
      call.settle(this.#withOutput(call.invocation.invocationId, result));
      const next = this.#calls[0];
      if (next) this.#output.makeCurrent(next.invocation.invocationId);
    });
  }

  /** The worker is gone or being killed: the running call gets `result`, the rest never ran. */
  #settleAll(result: CallResult): void {
    clearTimeout(this.#callTimer);
    this.#callTimer = undefined;
    this.#unsent = [];
    const [running, ...queued] = this.#calls.splice(0);
    if (running) running.settle(this.#withOutput(running.invocation.invocationId, result));
    for (const call of queued) call.settle(this.#withOutput(call.invocation.invocationId, failures.notStarted(this.definition.name)));
  }

  async #ready(invocation: Invocation | undefined): Promise<CallResult> {
    const { name, entry } = this.definition;
    if (this.#gone) return failures.failure('SB_FUNCTION_CRASHED', `function ${name}'s worker exited before the invocation started`);
    if (!this.#child) {
      const problem = await this.#start();
      if (problem) return problem;
    }
    if (!this.#loaded) {
      // Its own limit, not the invocation's timeout: on a slow or busy machine a cold start can
      // outlast a short timeout, and every retry would start cold again and fail the same way.
      return this.#load(invocation, this.#settings.loadTimeoutMs, { type: 'load', entry: this.#moduleFile ?? entry, functionName: name });
    }
    return { ok: true, value: undefined };
  }

  /**
   * SIGKILL: a function gets no say in being stopped, and a running invocation is told why.
   * An idle worker retired for idleness or recycling first gets to run its module's
   * `shutdown()`, for at most `shutdownGraceMs`.
   */
  stop(reason: StopReason): void {
    if (!this.alive) return;
    this.#stopReason = reason;
    if (reason === 'retired' && !this.#loading && this.#calls.length === 0 && this.#child?.connected) {
      this.#child.send({ type: 'shutdown' } satisfies ParentMessage, () => undefined);
      const child = this.#child;
      setTimeout(() => child.kill('SIGKILL'), shutdownGraceMs).unref();
      return;
    }
    this.#child?.kill('SIGKILL');
  }

  async #start(): Promise<CallResult | undefined> {
    const { name, entry, readablePaths, manifest } = this.definition;
    try {
      const jail = await this.#settings.jail();
      if (!jail && !manifest.network) {
        // The permission model cannot take the network away: without bubblewrap a promise
        // of no network cannot be kept, so the function does not run at all.
        throw new Error('its manifest says network: false, which needs bubblewrap (sudo apt-get install -y bubblewrap)');
      }
      if (jail?.runAs) await checkReadableByOthers(readablePaths[0] ?? entry, entry);
      const spare = await this.#settings.spares?.adopt(this.definition);
      if (spare) return await this.#adopt(spare, jail?.runAs);
      const moduleToLoad = this.#settings.loadable ? await this.#settings.loadable(this.definition) : undefined;
      this.#moduleFile = moduleToLoad?.file;
      const area = await createWorkerArea(this.#settings.tmpRoot, name, jail?.runAs);
      this.#area = area.root;
      const secretEnv = await copySecrets(manifest.secrets, area, jail?.runAs);
      const readable = await withRealPaths([...readablePaths, ...(moduleToLoad?.readablePaths ?? [])]);
      const binds = jail ? await bindsFor([this.#settings.workerMain, ...readable, area.filesDir], jail) : [];
      if (this.#stopReason) throw new Error('the appliance is shutting down');
      this.#child = forkWorkerProcess({
        workerMain: this.#settings.workerMain, jail, tempDir: area.tempDir, readablePaths: [...readable, area.filesDir],
        memoryMb: manifest.memoryMb, network: manifest.network, sourceMaps: moduleToLoad?.sourceMaps ?? false,
        env: { ...manifest.env, ...secretEnv }, cwd: dirname(entry),
      }, binds);
    } catch (error) {
      this.#exitedWith({ code: null, signal: null });
      return failures.cannotStart(name, error instanceof Error ? error.message : String(error));
    }
    this.#watch(this.#child);
    this.#logger.debug({ workerPid: this.#child.pid }, 'function worker started');
    return undefined;
  }

  /** A pre-started worker (its process and private area now ours) becomes this function's. */
  async #adopt(spare: AdoptedSpare, runAs: RunAs): Promise<CallResult | undefined> {
    const { name, manifest } = this.definition;
    this.#child = spare.child;
    this.#area = spare.area.root;
    this.#moduleFile = spare.entry;
    this.#watch(spare.child);
    try {
      // Into its read-only files/secrets, as a worker of its own has them.
      const secretEnv = await copySecrets(manifest.secrets, spare.area, runAs);
      const { TMPDIR: _tmp, ...env } = buildWorkerEnv({ ...manifest.env, ...secretEnv }, spare.area.tempDir);
      if (this.#stopReason) throw new Error('the appliance is shutting down');
      spare.child.send({ type: 'adopt', env, cwd: spare.cwd } satisfies ParentMessage);
    } catch (error) {
      spare.child.kill('SIGKILL');
      return failures.cannotStart(name, error instanceof Error ? error.message : String(error));
    }
    this.#logger.debug({ workerPid: spare.child.pid }, 'a pre-started worker adopted the function');
    return undefined;
  }

  #watch(child: ChildProcess): void {
    if (child.stdout) this.#output.attach(child.stdout, 'stdout', child.pid);
    if (child.stderr) this.#output.attach(child.stderr, 'stderr', child.pid);
    child.on('message', (raw) => this.#receive(parseChildMessage(raw)));
    // 'close' comes after stdio has drained, so the stderr evidence of a crash is complete.
    child.on('close', (code, signal) => this.#exitedWith({ code, signal }));
    child.on('error', (error) => {
      this.#logger.warn({ err: error, workerPid: child.pid }, 'function worker process error');
      if (child.pid === undefined) this.#exitedWith({ code: null, signal: null }); // never spawned
    });
    // Without its IPC channel a worker can never answer: do not wait for its timeout.
    child.on('disconnect', () => { if (!this.#gone) child.kill('SIGKILL'); });
  }

  #load(invocation: Invocation | undefined, timeoutMs: number, message: ParentMessage): Promise<CallResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#timeout(), timeoutMs);
      this.#loading = {
        timeoutMs,
        ...(invocation ? { invocation } : {}),
        settle: (result) => {
          clearTimeout(timer);
          this.#loading = undefined;
          resolve(result);
        },
      };
      try {
        // A send error means the channel is gone; 'close' then settles this call.
        this.#child?.send(message, (error) => { if (error) this.#logger.debug({ err: error }, 'send to function worker failed'); });
      } catch (error) {
        this.#loading.settle(failures.failure('SB_FUNCTION_FAILED', `the function cannot be sent to its worker ${this.definition.name}: ${(error as Error).message}`));
      }
    });
  }

  #receive(message: ChildMessage | undefined): void {
    const running = this.#calls[0];
    if (!message) {
      this.#logger.warn({ workerPid: this.pid }, 'function worker sent a message that is not part of the protocol; ignored');
    } else if (message.type === 'log') {
      this.#output.log(message, running?.invocation ?? this.#loading?.invocation);
    } else if (message.type === 'loaded' && this.#loading) {
      this.#loaded = true;
      this.#loading.settle({ ok: true, value: undefined });
    } else if (message.type === 'load-failed' && this.#loading) {
      // Settled on 'close', with what the child printed on its way out.
      this.#loadError = message.error;
      setTimeout(() => this.#child?.kill('SIGKILL'), LOAD_FAILURE_EXIT_GRACE_MS).unref();
    } else if (message.type === 'result' && running && message.invocationId === running.invocation.invocationId) {
      const { ranMs } = message;
      this.#answered(message.ok ? { ok: true, value: message.value, ranMs } : { ...failures.functionFailed(this.definition.name, message.error), ranMs });
    }
  }

  #timeout(): void {
    const loading = this.#loading;
    if (loading) {
      // It already said why it cannot load; 'close' reports that rather than a timeout.
      if (this.#loadError) {
        this.#child?.kill('SIGKILL');
        return;
      }
      this.stop('timeout');
      loading.settle(failures.timedOut(this.definition.name, loading.timeoutMs, true));
      return;
    }
    const running = this.#calls[0];
    if (!running) return;
    this.stop('timeout');
    this.#settleAll(failures.timedOut(this.definition.name, running.invocation.timeoutMs, false));
  }

  #exitedWith(exit: ProcessExit): void {
    if (this.#gone) return;
    this.#gone = true;
    const { name, entry, manifest } = this.definition;
    const loading = this.#loading;
    const busy = this.#calls.length > 0;
    if (loading && this.#stopReason === 'shutdown') loading.settle(failures.stoppedForShutdown(name));
    else if (loading) loading.settle(failures.loadFailed(name, entry, this.#loadError, exit, this.#output));
    if (busy && this.#stopReason === 'shutdown') this.#settleAll(failures.stoppedForShutdown(name));
    else if (busy) this.#settleAll(failures.crashed(name, manifest.memoryMb, exit, this.#output));
    if (!loading && !busy && !this.#stopReason && this.#child) this.#logger.warn({ workerPid: this.pid, ...exit }, 'idle function worker exited; the next invocation starts a new one');
    this.#onExit(this);
    const area = this.#area;
    void (area ? rm(area, { recursive: true, force: true }) : Promise.resolve())
      .catch((error: unknown) => this.#logger.warn({ err: error, tempDir: area }, 'could not remove function worker temp dir'))
      .finally(() => this.#markExited());
  }
}

/**
 * As nobody, a worker can only read files the others' permission bits open to it: say so
 * before starting, rather than fail its load with EACCES.
 */
async function checkReadableByOthers(code: string, entry: string): Promise<void> {
  const [folder, file] = await Promise.all([stat(code), stat(entry)]);
  if ((file.mode & 0o004) === 0 || (folder.isDirectory() && (folder.mode & 0o001) === 0)) {
    throw new Error(`it runs as the unprivileged user nobody (uid 65534), who cannot read ${entry}: make the function's files readable by others (chmod -R o+rX ${code})`);
  }
}
