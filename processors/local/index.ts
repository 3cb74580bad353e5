// The local processor: runs each function in sandboxed, warm worker processes on this
// machine, never inside the appliance's own process, so a throw, a crash, an endless loop or
// running out of memory fails that invocation only.

import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { detectBubblewrap } from './bubblewrap.js';
import type { FunctionCatalog, FunctionDefinition } from '../../src/runtime/function-definition.js';
import type { Invocation, InvocationOutcome, Processor } from '../processor.js';
import * as failures from './failures.js';
import type { CallResult } from './failures.js';
import { FunctionPool } from './worker-pool.js';
import { requireWorkerMain } from './worker-main-path.js';
import { FunctionWorker } from './worker.js';

export const DEFAULT_MAX_WORKERS_PER_FUNCTION = 4;
/** Longer function log lines are cut: one runaway line must not fill the log. */
export const DEFAULT_MAX_LOG_LINE_LENGTH = 8192;

export interface LocalProcessorOptions {
  readonly functions: FunctionCatalog;
  readonly logger: Logger;
  /** Warm workers kept per function at most; more invocations wait for one. */
  readonly maxWorkersPerFunction?: number;
  /** Where workers' private temp dirs go. */
  readonly tmpRoot?: string;
  readonly maxLogLineLength?: number;
}

export function defaults() {
  return {
    maxWorkersPerFunction: DEFAULT_MAX_WORKERS_PER_FUNCTION,
    tmpRoot: tmpdir(),
    maxLogLineLength: DEFAULT_MAX_LOG_LINE_LENGTH,
  };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** An option given as `undefined` keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Whether workers started for `a` are fit to run `b`: same files and manifest (the version
 * hashes both) and same settings from the appliance's config (defaults, secrets folder).
 */
function sameWorkerSetup(a: FunctionDefinition, b: FunctionDefinition): boolean {
  if (a === b) return true;
  const setup = (d: FunctionDefinition) => JSON.stringify([d.version, d.entry, d.readablePaths, d.manifest]);
  return setup(a) === setup(b);
}

export function createLocalProcessor(options: LocalProcessorOptions): Processor {
  const settings = Object.freeze({ ...defaults(), ...definedOnly(options) }) as Required<LocalProcessorOptions>;
  const workerSettings = {
    workerMain: requireWorkerMain(),
    tmpRoot: settings.tmpRoot,
    logger: settings.logger,
    maxLogLineLength: settings.maxLogLineLength,
    bubblewrap: once(() => detectBubblewrap(settings.logger)),
  };
  const spawn = (definition: FunctionDefinition, onExit: (w: FunctionWorker) => void) =>
    new FunctionWorker(definition, workerSettings, onExit);
  const pools = new Map<string, FunctionPool>();
  /** Pools of replaced definitions, until their last worker is gone (close() still kills them). */
  const retired = new Set<FunctionPool>();
  const running = new Set<Promise<CallResult>>();
  let closing = false;

  function poolFor(definition: FunctionDefinition): FunctionPool {
    const pool = pools.get(definition.name);
    if (pool && sameWorkerSetup(pool.definition, definition)) return pool;
    // The registry reloaded the function with another entry, paths, env or memory: new workers.
    for (const old of retired) if (old.empty) retired.delete(old);
    if (pool) {
      pool.retire();
      retired.add(pool);
    }
    // The function's own concurrency, else the appliance-wide functions.maxWorkers.
    const fresh = new FunctionPool(definition, definition.manifest.concurrency ?? settings.maxWorkersPerFunction, spawn);
    pools.set(definition.name, fresh);
    return fresh;
  }

  async function call(invocation: Invocation): Promise<CallResult> {
    if (closing) return failures.refusedWhileClosing(invocation.functionName);
    const definition = settings.functions.get(invocation.functionName);
    if (!definition) return failures.notFound(invocation.functionName);
    const result = poolFor(definition).run(invocation);
    running.add(result);
    try {
      return await result;
    } finally {
      running.delete(result);
    }
  }

  // durationMs is wall time from the router's call to the outcome: queueing and a cold
  // start included, which is what the router's in-flight budget pays for.
  async function invoke(invocation: Invocation): Promise<InvocationOutcome> {
    const started = performance.now();
    let result: CallResult;
    try {
      result = await call(invocation);
    } catch (error) {
      // A bug of ours, not the function's; the contract is that invoke never rejects.
      settings.logger.error({ err: error, function: invocation.functionName, invocationId: invocation.invocationId, eventId: invocation.event.id, subscription: invocation.subscription }, 'local processor failed to run an invocation');
      result = failures.failure('SB_FUNCTION_CRASHED', `the local processor could not run function ${invocation.functionName}: ${String(error)}`);
    }
    const durationMs = performance.now() - started;
    const output = result.output ? { output: result.output } : {};
    return result.ok ? { ok: true, result: result.value, durationMs, ...output } : { ok: false, error: result.error, durationMs, ...output };
  }

  async function close(graceMs: number): Promise<void> {
    closing = true;
    const all = [...pools.values(), ...retired];
    for (const pool of all) pool.refuseNew();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
    await Promise.race([Promise.allSettled([...running]), graceOver]);
    clearTimeout(timer);
    for (const pool of all) pool.stopAll('shutdown');
    await Promise.all(all.map((pool) => pool.exited));
  }

  return { kind: 'local', invoke, close };
}
