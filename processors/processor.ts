// The seam between the router and whatever runs a function. The router hands over one
// matched event for one function and awaits the outcome; the processor never acks, naks or
// retries — the subscription's policy decides that from the outcome.

import type { CloudEventRecord } from '../src/events/cloudevent.js';

export interface Invocation {
  readonly invocationId: string;
  readonly functionName: string;
  readonly subscription: string;
  readonly event: CloudEventRecord;
  /** 1-based delivery attempt. */
  readonly attempt: number;
  /** Milliseconds the function may run; its worker is killed after that. */
  readonly timeoutMs: number;
}

export interface InvocationError {
  /** SB_FUNCTION_FAILED, SB_FUNCTION_TIMEOUT, SB_FUNCTION_CRASHED, SB_FUNCTION_LOAD_FAILED, SB_FUNCTION_NOT_FOUND */
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

/** One line the function wrote during the invocation (context.log, console, stdout, stderr). */
export interface CapturedLine {
  /** ISO time the line arrived. */
  readonly at: string;
  readonly stream: 'log' | 'stdout' | 'stderr';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
}

/** What a function said while it ran, bounded: the invocation record keeps it. */
export interface CapturedOutput {
  readonly lines: readonly CapturedLine[];
  /** Lines or characters dropped past the bound. */
  readonly truncated: boolean;
}

export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number; readonly output?: CapturedOutput }
  | { readonly ok: false; readonly error: InvocationError; readonly durationMs: number; readonly output?: CapturedOutput };

/** A function's running workers, for `switchboard functions list` and GET /functions. */
export interface FunctionWorkers {
  readonly function: string;
  readonly workers: readonly { readonly pid?: number; readonly state: string; readonly invocations: number; readonly startedAt: string }[];
}

export interface Processor {
  readonly kind: string;
  /** Never rejects: every failure is an outcome with `ok: false`. */
  invoke(invocation: Invocation): Promise<InvocationOutcome>;
  /**
   * Provision what the functions ask to have ready (minWarm workers), and let go of what
   * belongs to functions no longer in the catalog. At start and after every reload.
   */
  warm(): Promise<void>;
  /** Workers running now, by function. */
  status(): FunctionWorkers[];
  /** Pids of generic workers started ahead of need, not yet any function's (none for most kinds). */
  prestarted?(): number[];
  /** Stop accepting work, wait for running invocations up to `graceMs`, then kill workers. */
  close(graceMs: number): Promise<void>;
}
