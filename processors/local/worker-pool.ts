// The warm workers of one function. A worker runs one invocation at a time; up to
// `maxWorkers` run side by side and further invocations wait here in arrival order (the
// router bounds how many are in flight with each consumer's max_ack_pending). A worker
// that died or was killed is dropped, and the next invocation that needs one forks anew.
//
// A fast function is handed several waiting invocations at once when a worker comes free:
// as many as it runs in about `batchBudgetMs`, going by how long its calls took lately. They
// travel in one IPC message and run in order, so under load a millisecond function costs a
// fraction of a round trip per event instead of one each (bench/RESULTS.md). A slow
// function is handed one at a time: nothing waits behind it while another worker is free.

import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import type { Invocation } from '../processor.js';
import * as failures from './failures.js';
import { isNotStarted, type CallResult } from './failures.js';
import type { FunctionWorker, StopReason, WorkerStatus } from './worker.js';

/** The time a batch of waiting invocations handed to one worker should take, going by recent calls. */
export const batchBudgetMs = 2;
/** At most this many invocations are handed to a worker at once. */
export const maxBatch = 16;

export type SpawnWorker = (definition: FunctionDefinition, onExit: (worker: FunctionWorker) => void) => FunctionWorker;

/** Told when provisioning minWarm workers fails (the pool stops trying until an invocation works). */
export type WarmFailure = (definition: FunctionDefinition, result: Extract<CallResult, { ok: false }>) => void;

export class FunctionPool {
  readonly definition: FunctionDefinition;
  readonly #maxWorkers: number;
  readonly #spawnWorker: SpawnWorker;
  /** Busy and idle workers: what counts against maxWorkers. */
  readonly #workers = new Set<FunctionWorker>();
  /** Every process not yet exited, killed ones still dying included: `exited` waits for them. */
  readonly #processes = new Set<FunctionWorker>();
  /**
   * Warm workers, the most recently used last (and reused first), so the longest idle sit at
   * the front with their `idleSince`: that is where an idle timeout retires them (issue 5).
   */
  readonly #idle: FunctionWorker[] = [];
  /** Invocations waiting for a worker, first come first served; `undefined` = refused. */
  readonly #waiting: Array<(worker: FunctionWorker | undefined) => void> = [];
  /** Retiring: serve who is waiting, then kill each worker as it comes free. */
  #retiring = false;
  #refusing = false;
  #idleSweep: NodeJS.Timeout | undefined;
  /** Workers being pre-started for minWarm: counted in #workers, not yet idle. */
  readonly #preparing = new Set<FunctionWorker>();
  /** A pre-start failed: do not keep forking a function that cannot load (a crash loop). */
  #warmingBroken = false;
  readonly #onWarmFailure: WarmFailure;
  /** How many invocations hold each busy worker (more than one when handed a batch). */
  readonly #holders = new Map<FunctionWorker, number>();
  /** A moving average of how long the function's calls ran, in ms; undefined before the first. */
  #recentRanMs: number | undefined;

  constructor(definition: FunctionDefinition, maxWorkers: number, spawnWorker: SpawnWorker, onWarmFailure: WarmFailure = () => undefined) {
    this.definition = definition;
    this.#maxWorkers = maxWorkers;
    this.#spawnWorker = spawnWorker;
    this.#onWarmFailure = onWarmFailure;
  }

  /**
   * Provisioned concurrency: starts workers (process, module load, init()) until minWarm are
   * up, before any event needs them. Called when the appliance starts or a function is
   * (re)loaded, and again whenever a warm worker exits or is recycled.
   */
  async warm(): Promise<void> {
    const wanted = Math.min(this.definition.manifest.minWarm, this.#maxWorkers);
    const starting: Promise<void>[] = [];
    while (!this.#retiring && !this.#warmingBroken && this.#workers.size < wanted) {
      const worker = this.#spawn();
      this.#preparing.add(worker);
      starting.push(worker.prepare().then((result) => {
        this.#preparing.delete(worker);
        if (!result.ok) {
          this.#warmingBroken = true;
          this.#workers.delete(worker);
          this.#onWarmFailure(this.definition, result);
          // An invocation that waited for this worker gets one of its own (and its own outcome).
          const next = this.#waiting.shift();
          if (next) next(this.#hold(this.#spawn(), 1));
          return;
        }
        // Straight to whoever waits, else warm and idle.
        this.#release(worker, false);
      }));
    }
    await Promise.all(starting);
  }

  /** Its workers as `switchboard functions list` shows them. */
  status(): WorkerStatus[] {
    return [...this.#processes].filter((w) => w.alive).map((w) => w.status());
  }

  async run(invocation: Invocation): Promise<CallResult> {
    for (;;) {
      const worker = await this.#acquire();
      if (!worker) return failures.refusedWhileClosing(this.definition.name);
      let result: CallResult | undefined;
      try {
        result = await worker.invoke(invocation);
      } finally {
        if (result?.ok) this.#warmingBroken = false; // it loads again: provisioning may resume
        this.#release(worker, result !== undefined && !isNotStarted(result));
      }
      // Queued behind a call that killed the worker: it never ran, so it is not an attempt.
      if (isNotStarted(result)) continue;
      if (result.ranMs !== undefined) this.#recentRanMs = this.#recentRanMs === undefined ? result.ranMs : 0.9 * this.#recentRanMs + 0.1 * result.ranMs;
      return result;
    }
  }

  /** The function changed on disk: finish what is queued on the old code, keep nothing warm. */
  retire(): void {
    this.#retiring = true;
    for (const worker of this.#idle.splice(0)) this.#discard(worker, 'retired');
  }

  /** Shutting down: queued invocations are refused, running ones may finish. */
  refuseNew(): void {
    this.#refusing = true;
    this.retire();
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
  }

  /** Kills every worker, busy or not; a running invocation is told why. */
  stopAll(reason: StopReason): void {
    for (const worker of this.#processes) worker.stop(reason);
  }

  /** Settles when every process this pool forked has exited and its temp dir is gone. */
  get exited(): Promise<void> {
    return Promise.all([...this.#processes].map((w) => w.exited)).then(() => undefined);
  }

  /** No process and nobody waiting: nothing left to stop. */
  get empty(): boolean {
    return this.#processes.size === 0 && this.#waiting.length === 0;
  }

  #acquire(): Promise<FunctionWorker | undefined> {
    if (this.#refusing) return Promise.resolve(undefined);
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(this.#hold(idle, 1));
    // Workers still pre-starting count as capacity on their way: wait for one rather than fork.
    if (this.#workers.size < this.#maxWorkers && this.#preparing.size <= this.#waiting.length) return Promise.resolve(this.#hold(this.#spawn(), 1));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #hold(worker: FunctionWorker, invocations: number): FunctionWorker {
    this.#holders.set(worker, invocations);
    return worker;
  }

  /** How many waiting invocations a free worker takes at once (see the header). */
  #batchFor(worker: FunctionWorker): number {
    if (this.#recentRanMs === undefined || !worker.loaded) return 1;
    let size = Math.min(maxBatch, Math.floor(batchBudgetMs / Math.max(this.#recentRanMs, 0.01)));
    const { maxInvocations } = this.definition.manifest;
    if (maxInvocations > 0) size = Math.min(size, maxInvocations - worker.invocations);
    return Math.max(1, size);
  }

  #release(worker: FunctionWorker, ran: boolean): void {
    worker.idleSince = Date.now();
    if (ran) worker.invocations += 1;
    const holders = (this.#holders.get(worker) ?? 1) - 1;
    if (holders > 0) {
      this.#holders.set(worker, holders); // the rest of its batch is still queued on it
      return;
    }
    this.#holders.delete(worker);
    const { maxInvocations } = this.definition.manifest;
    // Recycled after maxInvocations: whatever it leaks or caches goes with it.
    if (worker.alive && maxInvocations > 0 && worker.invocations >= maxInvocations) this.#discard(worker, 'retired');
    const reusable = worker.alive && this.#workers.has(worker);
    if (!reusable) this.#workers.delete(worker);
    // A dead worker's slot may be taken already (its exit freed it first): never fork past maxWorkers.
    const next = this.#waiting.splice(0, reusable ? this.#batchFor(worker) : this.#workers.size < this.#maxWorkers ? 1 : 0);
    if (next.length > 0) {
      // Hand the worker straight on; a dead or recycled one frees its slot for a fresh fork.
      const handed = this.#hold(reusable ? worker : this.#spawn(), next.length);
      for (const waiter of next) waiter(handed);
    } else if (reusable && this.#retiring) {
      this.#discard(worker, 'retired');
    } else if (reusable) {
      this.#idle.push(worker);
      this.#scheduleIdleSweep();
    }
    if (!reusable) this.#topUp();
  }

  /** A worker went away (recycled, crashed, timed out): provision its replacement if minWarm wants one. */
  #topUp(): void {
    if (this.#refusing || this.#retiring || this.#warmingBroken) return;
    if (this.#workers.size >= this.definition.manifest.minWarm) return;
    void this.warm();
  }

  /**
   * Scale to zero: idle workers beyond minWarm exit once idle for idleTimeout. The longest
   * idle sit at the front of #idle, so the sweep retires from there.
   */
  #scheduleIdleSweep(): void {
    if (this.#idleSweep) return;
    const { idleTimeoutMs } = this.definition.manifest;
    this.#idleSweep = setTimeout(() => {
      this.#idleSweep = undefined;
      const now = Date.now();
      while (this.#idle.length > 0 && this.#workers.size > this.definition.manifest.minWarm && now - this.#idle[0]!.idleSince >= idleTimeoutMs) {
        this.#discard(this.#idle.shift()!, 'retired');
      }
      if (this.#idle.length > this.definition.manifest.minWarm) this.#scheduleIdleSweep();
    }, Math.max(50, Math.min(idleTimeoutMs, 60_000)));
    this.#idleSweep.unref();
  }

  #spawn(): FunctionWorker {
    const worker = this.#spawnWorker(this.definition, (gone) => this.#forget(gone));
    this.#workers.add(worker);
    this.#processes.add(worker);
    return worker;
  }

  #discard(worker: FunctionWorker, reason: StopReason): void {
    this.#workers.delete(worker);
    worker.stop(reason);
  }

  /** A process exited, expectedly or not (an idle worker can die too). */
  #forget(worker: FunctionWorker): void {
    const wasCounted = this.#workers.delete(worker);
    this.#processes.delete(worker);
    const at = this.#idle.indexOf(worker);
    if (at !== -1) this.#idle.splice(at, 1);
    // An idle warm worker died on its own (killed by an operator, OOM-killed): replace it.
    if (wasCounted && !this.#preparing.has(worker)) this.#topUp();
  }
}
