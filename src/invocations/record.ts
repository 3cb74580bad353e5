// An invocation record: one per run of a function on an event — who ran on what, when, for
// how long, how it ended, what the function said, and what the router did next. Built by the
// router after each invocation and kept on the INVOCATIONS stream (see invocation-log.ts).
// Pure: no I/O.

import { noOutput, OutputCapture } from '../../processors/captured-output.js';
import type { CapturedOutput, Invocation, InvocationOutcome } from '../../processors/processor.js';

/** How the invocation ended, in the operator's words. */
export type InvocationOutcomeName = 'succeeded' | 'failed' | 'timeout' | 'crashed' | 'load_failed' | 'not_found';

/**
 * What the router did with the event afterwards: acknowledged it, handed it back for another
 * attempt after `retryDelayMs`, parked it in the DLQ, dropped it (`deadLetter: false`), or
 * handed it back unfinished (the appliance was stopping).
 */
export type RouterAction = 'acked' | 'retry' | 'dead-lettered' | 'dropped' | 'handed-back';

export interface InvocationRecordError {
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

export interface InvocationRecord {
  readonly invocationId: string;
  readonly function: string;
  readonly subscription: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventSource: string;
  /** 1-based delivery attempt. */
  readonly attempt: number;
  /** The subscription's retry.attempts: how many attempts the event gets. */
  readonly attempts: number;
  /** ISO time the router handed the event to the processor. */
  readonly startedAt: string;
  /** Wall time to the outcome, queueing and a cold start included. */
  readonly durationMs: number;
  readonly outcome: InvocationOutcomeName;
  /** Why it failed; absent when it succeeded. */
  readonly error?: InvocationRecordError;
  readonly output: CapturedOutput;
  /** Events the function returned that were published. */
  readonly publishedEvents: number;
  readonly action: RouterAction;
  /** With action `retry`: how long until the next attempt. */
  readonly retryDelayMs?: number;
}

/** A record without its captured lines and stack: what lists show. */
export type InvocationSummary = Omit<InvocationRecord, 'output' | 'error'> & {
  readonly error?: Omit<InvocationRecordError, 'stack'>;
  readonly outputLines: number;
};

/** A record must fit in one bus message whatever the function threw. */
export const maxErrorMessageLength = 4_096;
export const maxStackLength = 8_192;

export interface InvocationFacts {
  readonly invocation: Invocation;
  readonly attempts: number;
  readonly startedAt: Date;
  readonly outcome: InvocationOutcome;
  /** The function succeeded but what it returned could not be published (an invalid event). */
  readonly resultProblem?: { readonly code: string; readonly message: string };
  readonly publishedEvents: number;
  readonly action: RouterAction;
  readonly retryDelayMs?: number;
}

export function outcomeName(errorCode: string | undefined): InvocationOutcomeName {
  switch (errorCode) {
    case undefined: return 'succeeded';
    case 'SB_FUNCTION_TIMEOUT': return 'timeout';
    case 'SB_FUNCTION_CRASHED': return 'crashed';
    case 'SB_FUNCTION_LOAD_FAILED': return 'load_failed';
    case 'SB_FUNCTION_NOT_FOUND': return 'not_found';
    default: return 'failed';
  }
}

export function buildInvocationRecord(facts: InvocationFacts): InvocationRecord {
  const { invocation, outcome } = facts;
  const error = outcome.ok ? facts.resultProblem : outcome.error;
  return {
    invocationId: invocation.invocationId,
    function: invocation.functionName,
    subscription: invocation.subscription,
    eventId: invocation.event.id,
    eventType: invocation.event.type,
    eventSource: invocation.event.source,
    attempt: invocation.attempt,
    attempts: facts.attempts,
    startedAt: facts.startedAt.toISOString(),
    durationMs: Math.round(outcome.durationMs * 10) / 10,
    outcome: outcomeName(error?.code),
    ...(error ? { error: recordError(error) } : {}),
    output: boundOutput(outcome.output),
    publishedEvents: facts.publishedEvents,
    action: facts.action,
    ...(facts.action === 'retry' && facts.retryDelayMs !== undefined ? { retryDelayMs: facts.retryDelayMs } : {}),
  };
}

export function summarize(record: InvocationRecord): InvocationSummary {
  const { output, error, ...rest } = record;
  return {
    ...rest,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    outputLines: output.lines.length,
  };
}

function recordError(error: { code: string; message: string; stack?: string }): InvocationRecordError {
  return {
    code: error.code,
    message: cut(error.message, maxErrorMessageLength),
    ...(error.stack ? { stack: cut(error.stack, maxStackLength) } : {}),
  };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters dropped)`;
}

/**
 * The processor bounds what it captures; bound it again here so that a processor that does
 * not (or a future one) cannot make a record the bus refuses.
 */
function boundOutput(output: CapturedOutput | undefined): CapturedOutput {
  if (!output) return noOutput;
  const capture = new OutputCapture();
  for (const line of output.lines) capture.add(line.stream, line.level, line.msg, line.at);
  const bounded = capture.result();
  return { lines: bounded.lines, truncated: output.truncated || bounded.truncated };
}
