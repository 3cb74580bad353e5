// Everything a function says, into the appliance's log: its context.log and console lines
// (over IPC, tagged with their invocation) and whatever reaches the process's raw stdout
// and stderr. Every line carries the function; lines about an invocation also carry its
// id, event id and subscription. Lines are bounded so a runaway function cannot flood memory.
// While an invocation runs, its lines are also captured (bounded) for its invocation record.

import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { OutputCapture } from '../captured-output.js';
import type { CapturedOutput, Invocation } from '../processor.js';
import type { ChildMessage } from './protocol.js';
import { lineSplitter } from './line-splitter.js';

type FunctionLog = Extract<ChildMessage, { type: 'log' }>;

/** How much of stderr is kept to explain a crash. */
const STDERR_TAIL_CHARS = 4096;

/** Keys the appliance sets on a function's log line; a function's own fields never override them. */
const reservedKeys: ReadonlySet<string> = new Set([
  'level', 'time', 'msg', 'pid', 'hostname', 'function', 'invocationId', 'eventId', 'subscription', 'stream', 'workerPid',
]);

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters dropped)`;
}

/** Characters of log a worker may write per invocation (and between two), as executables' 64 KiB per stream. */
export const MAX_LOGGED_CHARS = 128 * 1024;

export class WorkerOutput {
  readonly #logger: Logger;
  readonly #maxLineLength: number;
  #stderrTail = '';
  #heapExhausted = false;
  /** Each queued or running invocation's capture (protocol.ts: a worker may hold several). */
  readonly #captures = new Map<string, OutputCapture>();
  /** The invocation running now: stdout, stderr and untagged log lines are its. */
  #current: string | undefined;
  /** What may still reach the appliance's log before the next invocation starts. */
  #logBudget = MAX_LOGGED_CHARS;

  /** `logger` is already bound to `{ function }`. */
  constructor(logger: Logger, maxLineLength: number) {
    this.#logger = logger;
    this.#maxLineLength = maxLineLength;
  }

  /** The last few KB of stderr: what Node printed before a crash. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** V8 printed "JavaScript heap out of memory": the memory limit, not a bug, killed it. */
  get heapExhausted(): boolean {
    return this.#heapExhausted;
  }

  /** Keeps what this invocation logs; it is the running one if none is (see makeCurrent). */
  startCapture(invocationId: string): void {
    this.#captures.set(invocationId, new OutputCapture());
    if (this.#current === undefined) this.makeCurrent(invocationId);
  }

  /** From now on, stdout, stderr and untagged lines belong to this invocation. */
  makeCurrent(invocationId: string): void {
    this.#current = invocationId;
    this.#logBudget = MAX_LOGGED_CHARS;
  }

  /**
   * Whether a line of `chars` may still be logged: a function logging in a loop must not
   * flood the appliance's log (its record keeps its own bounded copy). Says so once.
   */
  #mayLog(chars: number): boolean {
    if (this.#logBudget <= 0) return false;
    this.#logBudget -= chars;
    if (this.#logBudget <= 0) {
      this.#logger.warn({ invocationId: this.#current }, `the function logged more than ${MAX_LOGGED_CHARS / 1024} KiB during one invocation; the rest of it is not logged`);
    }
    return true;
  }

  /** What was captured for this invocation since startCapture; stops capturing it. */
  finishCapture(invocationId: string): CapturedOutput | undefined {
    const output = this.#captures.get(invocationId)?.result();
    this.#captures.delete(invocationId);
    if (this.#current === invocationId) this.#current = undefined;
    return output;
  }

  #running(): OutputCapture | undefined {
    return this.#current === undefined ? undefined : this.#captures.get(this.#current);
  }

  attach(stream: Readable, name: 'stdout' | 'stderr', workerPid: number | undefined): void {
    const level = name === 'stdout' ? 'info' : 'warn';
    const lines = lineSplitter(this.#maxLineLength, (line) => {
      if (name === 'stderr' && line.includes('heap out of memory')) this.#heapExhausted = true;
      if (line.trim() === '') return;
      if (this.#mayLog(line.length)) this.#logger[level]({ stream: name, workerPid }, line);
      // Raw output names no invocation: it is the one running while it arrives.
      this.#running()?.add(name, level, line);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (name === 'stderr') this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      lines.push(chunk);
    });
    stream.on('end', () => lines.end());
    stream.on('error', () => {}); // a pipe torn down with the process; its 'close' tells the story
  }

  /** A context.log / console line; `running` is the invocation the worker is busy with, if any. */
  log(line: FunctionLog, running: Invocation | undefined): void {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(line.fields ?? {})) {
      if (!reservedKeys.has(key)) fields[key] = value;
    }
    if (line.invocationId !== null) fields.invocationId = line.invocationId;
    // Event and subscription only when the line is the running invocation's: a stray timer of
    // an earlier one must not be filed under this event.
    if (running && line.invocationId === running.invocationId) {
      fields.eventId = running.event.id;
      fields.subscription = running.subscription;
    }
    const msg = truncate(line.msg, this.#maxLineLength);
    if (this.#mayLog(msg.length)) this.#logger[line.level](fields, msg);
    // null: said outside any invocation (init(), top-level code) while this one waited on it.
    const capture = line.invocationId === null ? this.#running() : this.#captures.get(line.invocationId);
    capture?.add('log', line.level, msg);
  }
}
