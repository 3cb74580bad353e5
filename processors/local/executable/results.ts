// What an executable hands back: CloudEvents as JSON lines on file descriptor 3 (stdout
// stays free for logging). They become the invocation's result, an array, which the router
// publishes like a JS function's returned events (src/router/function-results.ts).
// Bounded: a function writing without end costs it its invocation, not the appliance memory.

import type { Readable } from 'node:stream';

/** Bytes of results read from fd 3 at most. */
export const MAX_RESULT_BYTES = 1024 * 1024;

export type ParsedResults =
  | { readonly ok: true; readonly events: Record<string, unknown>[] }
  | { readonly ok: false; readonly problem: string };

function excerpt(line: string): string {
  return line.length <= 200 ? line : `${line.slice(0, 200)}…`;
}

/**
 * Each non-blank line must be one JSON object with `specversion: "1.0"` and a `type`: a
 * line that is not is a bug of the function's, and silently dropping it would lose an event.
 */
export function parseResultLines(text: string): ParsedResults {
  const events: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return { ok: false, problem: `line ${index + 1} on fd 3 is not JSON (${(error as Error).message}): ${excerpt(line)}` };
    }
    const event = value as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || event.specversion !== '1.0' || typeof event.type !== 'string' || event.type === '') {
      return { ok: false, problem: `line ${index + 1} on fd 3 is not a CloudEvent (a JSON object with "specversion": "1.0" and a "type"): ${excerpt(line)}` };
    }
    events.push(event);
  }
  return { ok: true, events };
}

/** Reads fd 3 to its end, keeping at most MAX_RESULT_BYTES (and draining the rest). */
export class ResultsReader {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #overflow = false;

  constructor(stream: Readable | null | undefined) {
    stream?.on('data', (chunk: Buffer) => {
      if (this.#overflow) return;
      if (this.#bytes + chunk.length > MAX_RESULT_BYTES) {
        this.#overflow = true;
        this.#chunks.length = 0;
        return;
      }
      this.#bytes += chunk.length;
      this.#chunks.push(chunk);
    });
    stream?.on('error', () => {}); // torn down with the process; 'close' tells the story
  }

  result(): ParsedResults {
    if (this.#overflow) return { ok: false, problem: `it wrote more than ${MAX_RESULT_BYTES} bytes of results to fd 3` };
    return parseResultLines(Buffer.concat(this.#chunks).toString('utf8'));
  }
}
