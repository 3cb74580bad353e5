// Invocation ids are UUIDv7 (RFC 9562 §5.7): the first 48 bits are the Unix time in
// milliseconds when the router started the invocation, then the version (7), 12 random bits,
// the variant (0b10) and 62 random bits. The time in the id is what lets `invocations show`
// find a record without a subject per invocation: the record is stored when the invocation
// ends, shortly after that time (invocation-query.ts).
//
// Ids are made on the per-event path: random bytes are drawn in batches, not per id.

import { getRandomValues } from 'node:crypto';

/** What an invocation id looks like, for messages that refuse something else. */
export const invocationIdExample = '0190f3c2-6b1e-7a4d-9c1e-2f0a8b3c4d5e';

const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const maxTimestamp = 2 ** 48 - 1;

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const randomBytesPerId = 10;
const idsPerBatch = 256;
const random = new Uint8Array(randomBytesPerId * idsPerBatch);
let nextRandom = random.length;

/** A new UUIDv7 for an invocation that starts at `now` (ms since the epoch). */
export function newInvocationId(now: number = Date.now()): string {
  if (nextRandom === random.length) {
    getRandomValues(random);
    nextRandom = 0;
  }
  const r = nextRandom;
  nextRandom += randomBytesPerId;
  const ms = Math.min(Math.max(0, Math.floor(now)), maxTimestamp);
  const high = Math.floor(ms / 2 ** 16); // the first 32 of the 48 bits
  const low = ms % 2 ** 16;
  const b = (i: number) => hex[random[r + i]!]!;
  return (
    `${hex[high >>> 24]!}${hex[(high >>> 16) & 0xff]!}${hex[(high >>> 8) & 0xff]!}${hex[high & 0xff]!}-` +
    `${hex[low >>> 8]!}${hex[low & 0xff]!}-` +
    `${hex[0x70 | (random[r]! & 0x0f)]!}${b(1)}-` +
    `${hex[0x80 | (random[r + 2]! & 0x3f)]!}${b(3)}-` +
    `${b(4)}${b(5)}${b(6)}${b(7)}${b(8)}${b(9)}`
  );
}

/** When the invocation with this id started (ms since the epoch); undefined if `id` is not a UUIDv7. */
export function invocationIdTime(id: string): number | undefined {
  if (!v7.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
