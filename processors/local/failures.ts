// The failed outcomes of an invocation, each worded for the operator reading a dead-lettered
// event: what happened to which function, and what to change. Pure: worker.ts supplies the facts.

import type { ErrorCode } from '../../src/errors.js';
import type { CapturedOutput, InvocationError } from '../processor.js';
import type { WireError } from './protocol.js';

/** What a worker process hands back for one invocation, before timing is added. */
export type CallResult =
  | { readonly ok: true; readonly value: unknown; readonly output?: CapturedOutput; readonly ranMs?: number }
  | {
      readonly ok: false;
      readonly error: InvocationError;
      readonly output?: CapturedOutput;
      readonly ranMs?: number;
      /** Queued behind a call that killed its worker: never ran, so the pool runs it elsewhere. */
      readonly notStarted?: true;
    };

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What stderr showed before the process went away. */
export interface StderrEvidence {
  readonly stderrTail: string;
  readonly heapExhausted: boolean;
}

export function failure(code: ErrorCode, message: string, stack?: string): CallResult {
  return { ok: false, error: stack === undefined ? { code, message } : { code, message, stack } };
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}

/** The line of Node's uncaught-error report that names the error, else the last line said. */
function stderrSummary(tail: string): string {
  const lines = tail.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Node\.js v\d/.test(l));
  const errorLine = lines.find((l) => /^([A-Z]\w*)?(Error|Exception)\b/.test(l) || /^FATAL ERROR/.test(l));
  const line = errorLine ?? lines.at(-1);
  return line ? `: ${line}` : '';
}

/** Where Node said a syntax error is ("file:///x/index.mjs:3" above the caret), if it said. */
function sourceLocation(text: string): string | undefined {
  const match = /^(?:file:\/\/)?(\/[^\n]*?:\d+)$/m.exec(text);
  return match?.[1];
}

export function functionFailed(name: string, thrown: WireError): CallResult {
  return failure('SB_FUNCTION_FAILED', `function ${name} failed: ${thrown.message}`, thrown.stack);
}

export function timedOut(name: string, timeoutMs: number, whileLoading: boolean): CallResult {
  if (whileLoading) {
    return failure(
      'SB_FUNCTION_TIMEOUT',
      `function ${name} did not finish loading (worker start, module, init()) within functions.loadTimeout, ${formatDuration(timeoutMs)}, and was killed; make its module load faster or raise functions.loadTimeout`,
    );
  }
  return failure(
    'SB_FUNCTION_TIMEOUT',
    `function ${name} ran past its ${formatDuration(timeoutMs)} timeout and was killed; make it faster or raise \`timeout\` in its manifest or subscription`,
  );
}

export function crashed(name: string, memoryMb: number, exit: ProcessExit, evidence: StderrEvidence): CallResult {
  if (evidence.heapExhausted) {
    return failure(
      'SB_FUNCTION_CRASHED',
      `function ${name} exceeded its memory limit of ${memoryMb} MB and its worker died (${describeExit(exit)}); raise \`memory\` in its manifest or make it use less`,
    );
  }
  return failure(
    'SB_FUNCTION_CRASHED',
    `function ${name}'s worker process exited during the invocation (${describeExit(exit)})${stderrSummary(evidence.stderrTail)}`,
  );
}

export function loadFailed(name: string, entry: string, thrown: WireError | undefined, exit: ProcessExit, evidence: StderrEvidence): CallResult {
  if (!thrown) {
    const cause = evidence.heapExhausted ? `: it exceeded its memory limit` : stderrSummary(evidence.stderrTail);
    return failure('SB_FUNCTION_LOAD_FAILED', `function ${name}'s worker exited while loading ${entry} (${describeExit(exit)})${cause}`);
  }
  const where = thrown.name === 'SyntaxError' ? sourceLocation(thrown.stack ?? '') ?? sourceLocation(evidence.stderrTail) : undefined;
  const at = where ? ` at ${where}` : '';
  return failure('SB_FUNCTION_LOAD_FAILED', `function ${name} could not be loaded from ${entry}: ${thrown.name}: ${thrown.message}${at}`, thrown.stack);
}

export function cannotStart(name: string, reason: string): CallResult {
  return failure('SB_FUNCTION_LOAD_FAILED', `function ${name} cannot be started: ${reason}`);
}

export function stoppedForShutdown(name: string): CallResult {
  return failure('SB_FUNCTION_CRASHED', `function ${name} was stopped because the appliance is shutting down`);
}

export function notStarted(name: string): CallResult {
  return { ok: false, notStarted: true, error: { code: 'SB_FUNCTION_CRASHED', message: `function ${name}'s worker exited before the invocation started` } };
}

export function isNotStarted(result: CallResult): boolean {
  return !result.ok && result.notStarted === true;
}

export function notFound(name: string): CallResult {
  return failure('SB_FUNCTION_NOT_FOUND', `no function named ${name} is in the functions folder; add it or fix the subscription's \`function\``);
}

export function refusedWhileClosing(name: string): CallResult {
  // No code of its own yet: the router stops delivering before it closes the processor.
  return failure('SB_FUNCTION_FAILED', `function ${name} was not started because the appliance is shutting down`);
}
