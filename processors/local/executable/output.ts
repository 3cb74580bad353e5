// What an executable writes on stdout and stderr during its one invocation: logged through
// the function's logger (each line with function, invocationId, eventId and subscription,
// stdout at info, stderr at warn, like worker-output.ts does for JS) and captured for the
// outcome. Bounded per stream, and each line cut at the processor's maxLogLineLength, so
// a runaway function costs its own record a `truncated` flag, not the appliance's log.

import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { OutputCapture } from '../../captured-output.js';
import type { CapturedOutput, Invocation } from '../../processor.js';
import { lineCutMarker, lineSplitter } from '../line-splitter.js';

/** Bytes of each stream that are logged and captured; the rest is read and dropped. */
export const MAX_STREAM_BYTES = 64 * 1024;
/** How much of stderr is kept to explain a failure, whatever the bound dropped. */
const STDERR_TAIL_CHARS = 4096;

type StreamName = 'stdout' | 'stderr';

export class ExecutableOutput {
  readonly #logger: Logger;
  readonly #maxLineLength: number;
  /** What the invocation record keeps: the records' own bound (captured-output.ts). */
  readonly #capture = new OutputCapture();
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
    const captured = this.#capture.result();
    return { lines: captured.lines, truncated: captured.truncated || this.#truncated };
  }

  attach(stream: Readable | null | undefined, name: StreamName): void {
    if (!stream) return;
    const lines = lineSplitter(this.#maxLineLength, (line) => this.#line(name, line));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (name === 'stderr') this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      lines.push(chunk);
    });
    stream.on('end', () => lines.end());
    stream.on('error', () => {}); // torn down with the process; 'close' tells the story
  }

  #line(name: StreamName, line: string): void {
    if (this.#kept[name] >= MAX_STREAM_BYTES) return;
    const msg = line;
    if (msg.endsWith(lineCutMarker(this.#maxLineLength))) this.#truncated = true;
    this.#kept[name] += Buffer.byteLength(line) + 1;
    if (msg.trim() !== '') {
      const level = name === 'stdout' ? 'info' : 'warn';
      this.#capture.add(name, level, msg);
      this.#logger[level]({ stream: name }, msg);
    }
    if (this.#kept[name] >= MAX_STREAM_BYTES) {
      this.#truncated = true;
      this.#logger.warn({ stream: name }, `the function wrote more than ${MAX_STREAM_BYTES / 1024} KiB on ${name}; the rest is neither logged nor kept`);
    }
  }
}
