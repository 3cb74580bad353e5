// The invocation queries against a stream held in memory, so that their reads can be counted
// on 250,000 records: a lookup by id bisects by time and reads only what was stored while the
// invocation ran; a list with an event filter stops at its limit or its scan limit.

import { describe, expect, it } from 'vitest';
import type { Bus, StoredMessage } from '../../src/bus/bus.js';
import { invocationIdTime } from '../../src/invocations/invocation-id.js';
import {
  clockSkewAllowanceMs, listInvocations, maxClockSkewMs, recordDelayLimitMs, scanLimitNote, showInvocation,
} from '../../src/invocations/invocation-query.js';
import { invocationSubject } from '../../src/invocations/subjects.js';
import type { InvocationRecord } from '../../src/invocations/record.js';

const t0 = Date.parse('2026-03-01T00:00:00.000Z');
/** One record stored every 4 ms unless told otherwise: 250,000 of them span 1,000 s. */
const defaultSpacingMs = 4;
const size = 250_000;

/** A UUIDv7 for time `ms` whose random part is `n`, so that a lazily built stream can say it again. */
function v7(ms: number, n: number): string {
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-${n.toString(16).padStart(12, '0')}`;
}

interface Fields {
  readonly invocationId: string;
  readonly function: string;
  readonly subscription: string;
  readonly eventId: string;
  readonly outcome: 'succeeded' | 'failed';
  /** When the bus stored it. */
  readonly stored: number;
}

/** Record `seq` unless told otherwise: stored at t0 + seq × spacing, 2 ms after its invocation started. */
function usual(seq: number, spacingMs = defaultSpacingMs): Fields {
  const stored = t0 + seq * spacingMs;
  return {
    invocationId: v7(stored - 2, seq), function: seq % 10 === 0 ? 'rare' : 'common', subscription: 'sub',
    eventId: `evt-${Math.floor(seq / 2)}`, outcome: seq % 7 === 0 ? 'failed' : 'succeeded', stored,
  };
}

function message(seq: number, f: Fields): StoredMessage {
  const record = { ...f, stored: undefined, output: { lines: [], truncated: false } } as unknown as InvocationRecord;
  return { sequence: seq, subject: invocationSubject(record), data: Buffer.from(JSON.stringify(record)), headers: {}, time: new Date(f.stored) };
}

function subjectMatches(filter: string, subject: string): boolean {
  const want = filter.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length || (want[i] !== '*' && want[i] !== have[i])) return false;
  }
  return want.length === have.length;
}

interface Stream {
  first?: number;
  last?: number;
  spacingMs?: number;
  /** Records other than the usual, by sequence; undefined = deleted. */
  special?: Map<number, Fields | undefined>;
}

/** A bus holding one INVOCATIONS stream, built as it is read; counts the requests made. */
function memoryBus({ first = 1, last = size, spacingMs, special = new Map() }: Stream): { bus: Bus; reads: () => number } {
  let reads = 0;
  const at = (seq: number) => {
    const f = special.has(seq) ? special.get(seq) : usual(seq, spacingMs);
    return f && message(seq, f);
  };
  const bus = {
    async streamState() {
      return { messages: last - first + 1, bytes: 0, firstSequence: first, lastSequence: last };
    },
    async nextMessage(_stream: string, from: number, subject: string) {
      reads++;
      for (let seq = Math.max(from, first); seq <= last; seq++) {
        const m = at(seq);
        if (m && subjectMatches(subject, m.subject)) return m;
      }
      return undefined;
    },
    async lastMessage(_stream: string, subject: string) {
      reads++;
      for (let seq = last; seq >= first; seq--) {
        const m = at(seq);
        if (m && subjectMatches(subject, m.subject)) return m;
      }
      return undefined;
    },
  };
  return { bus: bus as unknown as Bus, reads: () => reads };
}

/** A record stored `delayMs` after its invocation started at `started`, at the sequence the stream stores that time. */
function storedAfter(started: number, delayMs: number, n: number, spacingMs = defaultSpacingMs): [number, Fields] {
  const stored = started + delayMs;
  const seq = Math.ceil((stored - t0) / spacingMs);
  return [seq, { invocationId: v7(started, n), function: 'slow', subscription: 'slow-sub', eventId: 'evt-slow', outcome: 'failed', stored: t0 + seq * spacingMs }];
}

describe('invocations show', () => {
  it('finds a record among 250,000 by the time in its id, reading about log2(n) plus what was stored while it ran', async () => {
    const started = t0 + 600_000;
    const [seq, record] = storedAfter(started, 3_000, 1); // ran 3 s, 750 records stored meanwhile
    const { bus, reads } = memoryBus({ special: new Map([[seq, record]]) });
    expect(await showInvocation(bus, record.invocationId)).toMatchObject({ invocationId: record.invocationId, function: 'slow' });
    // Batches (256, 512, …) double while it has not found it: under twice what was stored
    // meanwhile, plus the first batch.
    const stored = (3_000 + clockSkewAllowanceMs) / defaultSpacingMs;
    expect(reads()).toBeLessThan(20 + 2 * stored + 256 + 2 * 16);
  });

  it('finds one that ran almost the whole limit, and not one stored later than its id allows', async () => {
    const spacingMs = 40; // 250,000 records over 10,000 s
    const started = t0 + 10_000;
    const [longSeq, long] = storedAfter(started, recordDelayLimitMs - 1_000, 2, spacingMs);
    const [lateSeq, late] = storedAfter(started, recordDelayLimitMs + 20_000, 3, spacingMs);
    const { bus, reads } = memoryBus({ spacingMs, special: new Map([[longSeq, long], [lateSeq, late]]) });
    expect(await showInvocation(bus, long.invocationId)).toMatchObject({ invocationId: long.invocationId });
    const before = reads();
    await expect(showInvocation(bus, late.invocationId)).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    // It stopped at the limit: it read about what the limit spans, not the rest of the stream.
    const spanned = (recordDelayLimitMs + clockSkewAllowanceMs) / spacingMs;
    expect(reads() - before).toBeLessThan(spanned + 4_096 + 20);
    expect(size - lateSeq).toBeGreaterThan(200_000); // and not the 200,000 stored after
  });

  it('finds a record the bus stamped before its id time, its clock behind the appliance\'s', async () => {
    const spacingMs = 40;
    const started = t0 + 400_000;
    const [seq, record] = storedAfter(started, -(clockSkewAllowanceMs - 10), 4, spacingMs);
    expect(record.stored).toBeLessThan(started);
    const [farSeq, far] = storedAfter(started, -(maxClockSkewMs - 100), 5, spacingMs);
    const [tooFarSeq, tooFar] = storedAfter(started, -(maxClockSkewMs + 100), 6, spacingMs);
    const { bus, reads } = memoryBus({ spacingMs, special: new Map([[seq, record], [farSeq, far], [tooFarSeq, tooFar]]) });
    expect(await showInvocation(bus, record.invocationId)).toMatchObject({ invocationId: record.invocationId });
    expect(reads()).toBeLessThan(20 + 256 + 16);
    // Further behind than the allowance: found once the records after its id time were read.
    expect(await showInvocation(bus, far.invocationId)).toMatchObject({ invocationId: far.invocationId });
    await expect(showInvocation(bus, tooFar.invocationId)).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
  });

  it('steps over deleted records and takes the id in capitals', async () => {
    const started = t0 + 200_000;
    const [seq, record] = storedAfter(started, 1_000, 5);
    const special = new Map<number, Fields | undefined>([[seq, record]]);
    for (let s = 1; s < size; s += 3) if (s !== seq) special.set(s, undefined);
    const { bus } = memoryBus({ first: 1_000, special });
    expect(await showInvocation(bus, record.invocationId.toUpperCase())).toMatchObject({ invocationId: record.invocationId });
  });

  it('says at once that a record older than the stream, newer than its end, or never kept is not found', async () => {
    const { bus, reads } = memoryBus({ first: 245_000 }); // from t0 + 980 s
    await expect(showInvocation(bus, v7(t0 + 1_000, 9))).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    await expect(showInvocation(bus, v7(t0 + 2_000_000, 9))).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    expect(reads()).toBeLessThan(2 * 20 + 256 + 16); // bisecting, then one batch read at most
    // An id that looks right but was never recorded: what was stored in its window is read.
    await expect(showInvocation(bus, v7(t0 + 999_000, 9))).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
  });

  it('refuses an id that is not a UUIDv7 without reading, saying what an invocation id looks like', async () => {
    const { bus, reads } = memoryBus({});
    for (const id of ['no-such-id', '*', '', '1b4e28ba-2fa1-4d3b-9a5e-0c1f3b7f4b21']) {
      const err = await showInvocation(bus, id).catch((e: unknown) => e as Error & { code: string });
      expect(err).toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
      expect(err.message).toMatch(/UUIDv7s such as [0-9a-f-]{36}/);
    }
    expect(reads()).toBe(0);
    expect(invocationIdTime(v7(t0, 1))).toBe(t0);
  });
});

describe('invocations list', () => {
  const ids = (records: readonly InvocationRecord[]) => records.map((r) => r.invocationId);

  it('finds the invocations on one event by reading back from the newest, newest first, and stops at the limit', async () => {
    const { bus, reads } = memoryBus({});
    const list = await listInvocations(bus, { eventId: `evt-${(size - 300) / 2}` }, 2);
    expect(ids(list.invocations)).toEqual([usual(size - 299).invocationId, usual(size - 300).invocationId]);
    expect(list.scanLimitReached).toBe(false);
    // Windows double from the limit back from the newest: 1 + 2 + … + 256 records read.
    const limited = await listInvocations(bus, { eventId: `evt-${(size - 300) / 2}` }, 1);
    expect(ids(limited.invocations)).toEqual([usual(size - 299).invocationId]);
    expect(limited.scanned).toBe(511);
    expect(reads()).toBeLessThan(list.scanned + limited.scanned + 40);
  });

  it('combines the event filter with the ones the server applies', async () => {
    const { bus } = memoryBus({ last: 3_000 });
    // evt-1000 is on sequences 2000 and 2001; only 2000 is "rare" (every 10th).
    const list = await listInvocations(bus, { eventId: 'evt-1000', function: 'rare' }, 20, 100_000);
    expect(ids(list.invocations)).toEqual([usual(2_000).invocationId]);
  });

  it('stops at the scan limit and says so, with what it found so far', async () => {
    const { bus, reads } = memoryBus({});
    const list = await listInvocations(bus, { eventId: 'evt-5' }, 20, 5_000);
    expect(list).toMatchObject({ invocations: [], scanned: 5_000, scanLimitReached: true });
    expect(reads()).toBeLessThan(5_000 + 16 * 10);
    expect(scanLimitNote(list)).toMatch(/stopped after reading 5000 invocation records/);

    const found = await listInvocations(bus, { eventId: `evt-${(size - 10) / 2}` }, 20, 5_000);
    expect(found.invocations).toHaveLength(2);
    expect(found.scanLimitReached).toBe(true);
    expect(scanLimitNote(await listInvocations(bus, {}, 20, 5_000))).toBeUndefined();
  });

  it('reads the whole of a small stream without calling it a stop', async () => {
    const { bus } = memoryBus({ first: 1, last: 300 });
    const list = await listInvocations(bus, { eventId: 'no-such-event' }, 20, 1_000);
    expect(list).toEqual({ invocations: [], scanned: 300, scanLimitReached: false });
  });
});
