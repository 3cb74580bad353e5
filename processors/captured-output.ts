// What a function says during one invocation, kept for its invocation record — bounded, so
// that a function logging in a loop costs the record a flag, not the appliance its memory
// or the bus a message larger than it takes. Pure: processors feed it lines as they arrive.

import type { CapturedLine, CapturedOutput } from './processor.js';

/** Lines kept per invocation and stream (log, stdout, stderr) at most. */
export const DEFAULT_MAX_CAPTURED_LINES = 200;
/** UTF-8 bytes of message text kept per invocation and stream at most. */
export const DEFAULT_MAX_CAPTURED_BYTES = 64 * 1024;

export interface CaptureLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
}

export function captureLimits(): CaptureLimits {
  return { maxLines: DEFAULT_MAX_CAPTURED_LINES, maxBytes: DEFAULT_MAX_CAPTURED_BYTES };
}

export const noOutput: CapturedOutput = Object.freeze({ lines: Object.freeze([]), truncated: false });

/**
 * Keeps the first lines of each stream up to the limits; anything after is dropped and
 * `truncated` set. A line that crosses the byte limit is cut there (on a character
 * boundary). The limits are per stream so that a function flooding stdout still has its
 * stderr (usually why it failed) in the record.
 */
export class OutputCapture {
  readonly #limits: CaptureLimits;
  readonly #lines: CapturedLine[] = [];
  readonly #used = new Map<CapturedLine['stream'], { lines: number; bytes: number; full: boolean }>();
  #truncated = false;

  constructor(limits: Partial<CaptureLimits> = {}) {
    this.#limits = { ...captureLimits(), ...limits };
  }

  add(stream: CapturedLine['stream'], level: CapturedLine['level'], msg: string, at: string = new Date().toISOString()): void {
    let used = this.#used.get(stream);
    if (!used) this.#used.set(stream, (used = { lines: 0, bytes: 0, full: false }));
    if (used.full) return;
    const room = this.#limits.maxBytes - used.bytes;
    if (used.lines >= this.#limits.maxLines || room <= 0) {
      used.full = true;
      this.#truncated = true;
      return;
    }
    let text = msg;
    let bytes = Buffer.byteLength(text);
    if (bytes > room) {
      text = cutToBytes(text, room);
      bytes = Buffer.byteLength(text);
      this.#truncated = true;
      used.full = true;
    }
    used.bytes += bytes;
    used.lines += 1;
    this.#lines.push({ at, stream, level, msg: text });
  }

  result(): CapturedOutput {
    return { lines: [...this.#lines], truncated: this.#truncated };
  }
}

/** The longest prefix of `text` whose UTF-8 form fits in `maxBytes`, never half a character. */
function cutToBytes(text: string, maxBytes: number): string {
  const encoded = Buffer.from(text).subarray(0, maxBytes);
  // A cut inside a multi-byte sequence decodes to U+FFFD at the end: drop it.
  return encoded.toString('utf8').replace(/\uFFFD+$/u, '');
}
