// The local processor: runs each function in sandboxed processes on this machine, never
// inside the appliance's own process, so a throw, a crash, an endless loop or running out of
// memory fails that invocation only. JavaScript and TypeScript run in warm worker processes
// (worker-pool.ts); Python, shell and other executables in one sandboxed process per
// invocation (executable/runner.ts).

import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { detectBubblewrap } from './bubblewrap.js';
import type { FunctionCatalog, FunctionDefinition } from '../../src/runtime/function-definition.js';
import type { FunctionWorkers, Invocation, InvocationOutcome, Processor } from '../processor.js';
import * as failures from './failures.js';
import type { CallResult } from './failures.js';
import { FunctionPool } from './worker-pool.js';
import { requireWorkerMain } from './worker-main-path.js';
import { FunctionWorker } from './worker.js';
import { SpareWorkers } from './spare-workers.js';
import { workerJail } from './fork-worker.js';
import { probeHost, resolveHidden } from './host.js';
import { createFunctionModules } from './function-modules.js';
import { createExecutableRunner } from './executable/runner.js';
import { isExecutableRuntime } from './executable/sandbox.js';

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
  /**
   * required: executables run only inside bubblewrap and are refused without it;
   * best-effort: without it they run unsandboxed, with one warning (config functions.sandbox).
   */
  readonly sandbox?: 'required' | 'best-effort';
  /**
   * Paths no function may see: the config file and its folder, the bus store, the functions
   * folder, the secrets folder. The sandboxes mask those under a mounted tree.
   */
  readonly protectedPaths?: readonly string[];
  /**
   * Generic Node workers kept started, so a function's first worker pays its module load and
   * not a process start (spare-workers.ts); 0 turns them off. Default 1.
   */
  readonly prestartedWorkers?: number;
  /**
   * How long a worker may take to start and load its function (functions.loadTimeout): a
   * cold start is not the function's run, and a slow machine must not fail every event.
   */
  readonly loadTimeoutMs?: number;
  /** The heap limit of pre-started workers: functions.memory (others fork their own). */
  readonly defaultMemoryMb?: number;
  /** Finds a working bwrap (a seam for tests: one that finds none). */
  readonly detectBubblewrap?: (logger: Logger) => Promise<string | undefined>;
}

export function defaults() {
  return {
    maxWorkersPerFunction: DEFAULT_MAX_WORKERS_PER_FUNCTION,
    tmpRoot: tmpdir(),
    maxLogLineLength: DEFAULT_MAX_LOG_LINE_LENGTH,
    sandbox: 'required' as 'required' | 'best-effort',
    prestartedWorkers: 1,
    loadTimeoutMs: 60_000,
    defaultMemoryMb: 256,
    protectedPaths: [] as readonly string[],
    detectBubblewrap,
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

export interface LocalProcessor extends Processor {
  /** Pids of the pre-started generic workers ready to adopt a function. */
  prestarted(): number[];
}

export function createLocalProcessor(options: LocalProcessorOptions): LocalProcessor {
  const settings = Object.freeze({ ...defaults(), ...definedOnly(options) }) as Required<LocalProcessorOptions>;
  const modules = createFunctionModules(settings.tmpRoot);
  // This machine's facts, read once and shared by both kinds of sandbox.
  const bubblewrap = once(() => settings.detectBubblewrap(settings.logger));
  const host = once(probeHost);
  const hidden = once(() => resolveHidden(settings.protectedPaths));
  const workerSettings = {
    workerMain: requireWorkerMain(),
    tmpRoot: settings.tmpRoot,
    logger: settings.logger,
    maxLogLineLength: settings.maxLogLineLength,
    loadTimeoutMs: settings.loadTimeoutMs,
    jail: once(async () => workerJail(await bubblewrap(), host, hidden)),
    loadable: modules.loadable,
  };
  const spares = new SpareWorkers({
    count: settings.prestartedWorkers, memoryMb: settings.defaultMemoryMb, workerMain: workerSettings.workerMain,
    tmpRoot: settings.tmpRoot, jail: workerSettings.jail, logger: settings.logger,
  });
  const executables = createExecutableRunner({
    logger: settings.logger,
    tmpRoot: settings.tmpRoot,
    maxLogLineLength: settings.maxLogLineLength,
    maxPerFunction: settings.maxWorkersPerFunction,
    sandbox: settings.sandbox,
    bubblewrap,
    host,
    hidden,
  });
  const spawn = (definition: FunctionDefinition, onExit: (w: FunctionWorker) => void) =>
    new FunctionWorker(definition, { ...workerSettings, spares }, onExit);
  const pools = new Map<string, FunctionPool>();
  /** Pools of replaced definitions, until their last worker is gone (close() still kills them). */
  const retired = new Set<FunctionPool>();
  const running = new Set<Promise<CallResult>>();
  let closing = false;
  const warmFailed = (definition: FunctionDefinition, result: Extract<CallResult, { ok: false }>) =>
    settings.logger.error({ function: definition.name, error: `${result.error.code}: ${result.error.message}` }, 'could not start the minWarm workers of a function; they start again after its next successful invocation');

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
    const fresh = new FunctionPool(definition, definition.manifest.concurrency ?? settings.maxWorkersPerFunction, spawn, warmFailed);
    pools.set(definition.name, fresh);
    return fresh;
  }

  async function call(invocation: Invocation): Promise<CallResult> {
    if (closing) return failures.refusedWhileClosing(invocation.functionName);
    const definition = settings.functions.get(invocation.functionName);
    if (!definition) return failures.notFound(invocation.functionName);
    const result = isExecutableRuntime(definition.runtime) ? executables.run(definition, invocation) : poolFor(definition).run(invocation);
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
    executables.refuseNew();
    const sparesClosed = spares.close();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
    await Promise.race([Promise.allSettled([...running]), graceOver]);
    clearTimeout(timer);
    for (const pool of all) pool.stopAll('shutdown');
    executables.stopAll();
    await Promise.all([...all.map((pool) => pool.exited), executables.settled(), sparesClosed]);
    await modules.dispose();
  }

  async function warm(): Promise<void> {
    if (closing) return;
    const names = new Set(settings.functions.names());
    for (const [name, pool] of pools) {
      if (names.has(name)) continue;
      // Removed from the folder: its warm workers go; queued invocations still finish.
      pool.retire();
      retired.add(pool);
      pools.delete(name);
    }
    const warming: Promise<void>[] = [];
    for (const name of names) {
      const definition = settings.functions.get(name);
      // Executables keep nothing warm: one process per invocation.
      if (definition && definition.manifest.minWarm > 0 && !isExecutableRuntime(definition.runtime)) warming.push(poolFor(definition).warm());
    }
    spares.fill();
    await Promise.all(warming);
  }

  function status(): FunctionWorkers[] {
    return [...pools.entries()].map(([name, pool]) => ({ function: name, workers: pool.status() })).sort((a, b) => a.function.localeCompare(b.function));
  }

  return { kind: 'local', invoke, close, warm, status, prestarted: () => spares.pids };
}
