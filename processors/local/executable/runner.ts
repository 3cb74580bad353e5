// Runs executable functions (Python, shell, any binary) for the local processor: one
// sandboxed process per invocation (run.ts), at most the function's concurrency
// at once, the excess waiting in arrival order. Nothing is kept warm.

import type { Logger } from 'pino';
import type { FunctionDefinition } from '../../../src/runtime/function-definition.js';
import type { Invocation } from '../../processor.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { runExecutable, type ExecutableSettings } from './run.js';
import { nobody } from '../system-view.js';
import * as failures from '../failures.js';
import type { CallResult } from '../failures.js';

/** The per-invocation settings (run.ts), less the one-time warning, plus the concurrency default. */
export interface ExecutableRunnerOptions extends Omit<ExecutableSettings, 'unsandboxed'> {
  /** Invocations of one function at once when its manifest sets no concurrency. */
  readonly maxPerFunction: number;
}

export interface ExecutableRunner {
  run(definition: FunctionDefinition, invocation: Invocation): Promise<CallResult>;
  /** Shutting down: queued invocations are refused, running ones may finish. */
  refuseNew(): void;
  /** Kills every running process; their invocations are told the appliance is shutting down. */
  stopAll(): void;
  /** Settles when every process has exited and its private area is removed. */
  readonly settled: () => Promise<void>;
}

export function createExecutableRunner(options: ExecutableRunnerOptions): ExecutableRunner {
  let warned = false;
  const settings: ExecutableSettings = {
    ...options,
    unsandboxed: () => {
      if (warned) return;
      warned = true;
      options.logger.warn('bubblewrap is not available and functions.sandbox is best-effort: Python, shell and other executables run WITHOUT a sandbox (scrubbed environment, private temp dir, memory limit and, as root, the user nobody only). Install it: apt-get install -y bubblewrap');
    },
    // As root, executables never run as root: bwrap binds as root, then setpriv drops.
    ...(process.getuid?.() === 0 ? { runAs: nobody } : {}),
  };
  const limits = new Map<string, ConcurrencyLimit>();
  const running = new Set<Promise<CallResult>>();
  const shutdown = new AbortController();
  let refusing = false;

  async function run(definition: FunctionDefinition, invocation: Invocation): Promise<CallResult> {
    if (refusing) return failures.refusedWhileClosing(definition.name);
    const limit = definition.manifest.concurrency ?? options.maxPerFunction;
    let gate = limits.get(definition.name);
    if (!gate) limits.set(definition.name, (gate = new ConcurrencyLimit()));
    if (!(await gate.acquire(limit))) return failures.refusedWhileClosing(definition.name);
    const result = runExecutable(definition, invocation, settings, shutdown.signal);
    running.add(result);
    try {
      return await result;
    } finally {
      running.delete(result);
      gate.release(limit);
    }
  }

  return {
    run,
    refuseNew: () => {
      refusing = true;
      for (const gate of limits.values()) gate.refuse();
    },
    stopAll: () => shutdown.abort(),
    settled: async () => { await Promise.allSettled([...running]); },
  };
}
