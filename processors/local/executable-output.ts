// What an executable writes on stdout and stderr during its one invocation: logged through
// the function's logger (each line with function, invocationId, eventId and subscription,
// stdout at info, stderr at warn, like worker-output.ts does for JS) and captured for the
// outcome. Bounded per stream, and each line cut at the processor's maxLogLineLength, so
// a runaway function costs its own record a `truncated` flag, not the appliance's log.

import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { CapturedLine, CapturedOutput, Invocation } from '../processor.js';

/** Bytes of each stream that are logged and captured; the rest is read and dropped. */
export const MAX_STREAM_BYTES = 64 * 1024;
/** How much of stderr is kept to explain a failure, whatever the bound dropped. */
const STDERR_TAIL_CHARS = 4096;

type StreamName = 'stdout' | 'stderr';

export class ExecutableOutput {
  readonly #logger: Logger;
  readonly #maxLineLength: number;
  readonly #lines: CapturedLine[] = [];
  readonly #kept: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  #truncated = false;
  #stderrTail = '';

  /** Lines are logged with the function and the invocation's ids. */
  constructor(logger: Logger, invocation: Invocation, maxLineLength: number) {
    this.#logger = logger.child({ function: invocation.functionName, invocationId: invocation.invocationId, eventId: invocation.event.id, subscription: invocation.subscription });
    this.#maxLineLength = maxLineLength;
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  result(): CapturedOutput {
    return { lines: [...this.#lines], truncated: this.#truncated };
  }

  attach(stream: Readable | null | undefined, name: StreamName): void {
    if (!stream) return;
    let partial = '';
    /** The line being read was already cut and emitted: drop the rest of it. */
    let skipping = false;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (name === 'stderr') this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!skipping) this.#line(name, line);
        skipping = false;
      }
      // A line without end is cut now rather than held in memory.
      if (!skipping && partial.length > this.#maxLineLength) {
        this.#line(name, partial);
        skipping = true;
      }
      if (skipping) partial = '';
    });
    stream.on('end', () => {
      if (partial !== '' && !skipping) this.#line(name, partial);
    });
    stream.on('error', () => {}); // torn down with the process; 'close' tells the story
  }

  #line(name: StreamName, raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.#kept[name] >= MAX_STREAM_BYTES) return;
    let msg = line;
    if (msg.length > this.#maxLineLength) {
      msg = `${msg.slice(0, this.#maxLineLength)}… (line cut at ${this.#maxLineLength} characters)`;
      this.#truncated = true;
    }
    this.#kept[name] += Buffer.byteLength(line) + 1;
    if (msg.trim() !== '') {
      const level = name === 'stdout' ? 'info' : 'warn';
      this.#lines.push({ at: new Date().toISOString(), stream: name, level, msg });
      this.#logger[level]({ stream: name }, msg);
    }
    if (this.#kept[name] >= MAX_STREAM_BYTES) {
      this.#truncated = true;
      this.#logger.warn({ stream: name }, `the function wrote more than ${MAX_STREAM_BYTES / 1024} KiB on ${name}; the rest is neither logged nor kept`);
    }
  }
}
