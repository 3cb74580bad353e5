// What an operator asks of the invocation records: the newest few, narrowed by function,
// subscription, event or failure, and one record by its invocation id. Subjects carry only
// function, subscription and failure (subjects.ts), so the server narrows on those; the event
// filter and the id are checked on the records read, and both reads are bounded: a list by
// a number of records, a lookup by the time in the id.

import type { Bus } from '../bus/bus.js';
import { maxFunctionTimeout } from '../config/defaults.js';
import { parseDuration } from '../config/units.js';
import { InvocationNotFoundError } from '../errors.js';
import { decodeInvocationRecord } from './invocation-log.js';
import { invocationIdExample, invocationIdTime } from './invocation-id.js';
import type { InvocationRecord } from './record.js';
import { firstSequenceAtOrAfter, jsonText, mentions, readRange } from './record-scan.js';
import {
  allInvocationsSubject, invocationFilterSubject, invocationsStream, matchesFilter, type InvocationFilter,
} from './subjects.js';

export const defaultListLimit = 20;
/**
 * Records a list reads at most before it answers with what it found: about a second on a
 * local bus. Only a filter the server cannot apply (the event id) makes it read records
 * that it does not return.
 */
export const defaultScanLimit = 10_000;

/**
 * How long after the time in its id an invocation's record is looked for: it is published
 * when the invocation ends, and a function runs at most maxFunctionTimeout (15m); one more
 * minute for a cold start and settling. Not a hard bound: the id is made before the
 * invocation waits for a free worker, and a module load has a timeout of its own, so a
 * record stored later than this is not found by `show` (`list` still finds it).
 */
export const recordDelayLimitMs = parseDuration(maxFunctionTimeout) + 60_000;
/**
 * How far the bus's clock may be behind the appliance's: the id's time is the appliance's,
 * a message's time the server's. A lookup reads from this long before the id's time (an
 * embedded bus shares the appliance's clock; NTP keeps hosts within milliseconds), and
 * only when that finds nothing, the records stored up to maxClockSkewMs before it. Each
 * millisecond of allowance is read on every lookup: at 20,000 records/s, 50 ms is 1,000.
 */
export const clockSkewAllowanceMs = 50;
export const maxClockSkewMs = 2_000;

/** Lanes of a list read: its subject filter may be narrow (see readRange). */
const listLaneWidth = 256;
/** A lookup reads every record: narrow lanes, and batches that grow while it has not found it. */
const lookupLaneWidth = 16;
const lookupFirstBatch = 256;
const lookupMaxBatch = 4_096;

export interface InvocationList {
  /** Newest first. */
  readonly invocations: InvocationRecord[];
  /** Records read to answer. */
  readonly scanned: number;
  /** The read stopped at the scan limit before the oldest record: older ones may match too. */
  readonly scanLimitReached: boolean;
}

/**
 * The newest `limit` records that match, newest first, reading at most `scanLimit` records.
 * Records are stored in time order, so the newest whose subject matches is found with one
 * last-by-subject lookup; earlier ones are read through windows of sequences walking back
 * from it, each twice as wide as the last (and no wider than what is left of the scan
 * limit), reading only the messages whose subject matches.
 */
export async function listInvocations(
  bus: Bus, filter: InvocationFilter, limit = defaultListLimit, scanLimit = defaultScanLimit,
): Promise<InvocationList> {
  const out: InvocationRecord[] = [];
  let scanned = 0;
  const subject = invocationFilterSubject(filter);
  const newest = limit > 0 ? await bus.lastMessage(invocationsStream, subject) : undefined;
  if (!newest) return { invocations: out, scanned, scanLimitReached: false };
  const { firstSequence } = await bus.streamState(invocationsStream);
  const eventId = filter.eventId === undefined ? undefined : jsonText(filter.eventId);
  let high = newest.sequence;
  let width = limit;
  while (out.length < limit && high >= firstSequence) {
    if (scanned >= scanLimit) return { invocations: out, scanned, scanLimitReached: true };
    width = Math.min(width, scanLimit - scanned);
    const low = Math.max(firstSequence, high - width + 1);
    const window = await readRange(bus, invocationsStream, subject, low, high, listLaneWidth);
    scanned += window.length;
    for (let i = window.length - 1; i >= 0 && out.length < limit; i--) {
      if (eventId && !mentions(window[i]!, eventId)) continue;
      const record = decodeInvocationRecord(window[i]!);
      if (record && matchesFilter(record, filter)) out.push(record);
    }
    high = low - 1;
    width *= 2;
  }
  return { invocations: out, scanned, scanLimitReached: false };
}

/** What to tell the operator when a list stopped at its scan limit; undefined when it did not. */
export function scanLimitNote(list: InvocationList): string | undefined {
  if (!list.scanLimitReached) return undefined;
  return `stopped after reading ${list.scanned} invocation records without reaching the oldest, so older ones may match too: ` +
    'narrow the list by function, subscription or failure (the bus applies those without reading every record)';
}

/**
 * One record by its invocation id. The id is a UUIDv7 holding the time the invocation
 * started, and its record is stored when it ends, so the lookup bisects the stream for the
 * first record stored at that time (less clockSkewAllowanceMs; ~18 reads for 250,000
 * records), then reads forward until it finds the record, passes that time plus
 * recordDelayLimitMs, or reaches the end. Its cost is the records stored while the
 * invocation ran, at ~12,000 reads/s on a local bus; an id with no record costs the records
 * of its 16 minutes (at most the stream).
 */
export async function showInvocation(bus: Bus, invocationId: string): Promise<InvocationRecord> {
  const id = invocationId.toLowerCase();
  const started = invocationIdTime(id);
  if (started === undefined) {
    throw new InvocationNotFoundError(
      `${JSON.stringify(invocationId)} is not an invocation id: invocation ids are UUIDv7s such as ${invocationIdExample} ` +
      '(the version digit, first of the third group, is 7); see switchboard invocations list',
    );
  }
  const record = await findRecord(bus, id, started);
  if (!record) {
    throw new InvocationNotFoundError(
      `no invocation record has id ${JSON.stringify(invocationId)} (started ${new Date(started).toISOString()}); ` +
      'see switchboard invocations list (records older than bus.retention.invocations are gone, a running invocation has none yet, ' +
      `and show looks no further than ${recordDelayLimitMs / 60_000} minutes after it started)`,
    );
  }
  return record;
}

async function findRecord(bus: Bus, id: string, started: number): Promise<InvocationRecord | undefined> {
  const { firstSequence, lastSequence } = await bus.streamState(invocationsStream);
  const storedFrom = (time: number) => firstSequenceAtOrAfter(bus, invocationsStream, time, firstSequence, lastSequence);
  const from = await storedFrom(started - clockSkewAllowanceMs);
  return (
    (await scanFor(bus, id, from, lastSequence, started + recordDelayLimitMs)) ??
    (await scanFor(bus, id, await storedFrom(started - maxClockSkewMs), from - 1, Infinity))
  );
}

/** The record with this id among sequences low..high, read in order until one was stored after `until`. */
async function scanFor(bus: Bus, id: string, low: number, high: number, until: number): Promise<InvocationRecord | undefined> {
  const needle = jsonText(id);
  for (let width = lookupFirstBatch; low <= high; width = Math.min(width * 2, lookupMaxBatch)) {
    const batchEnd = Math.min(high, low + width - 1);
    for (const message of await readRange(bus, invocationsStream, allInvocationsSubject, low, batchEnd, lookupLaneWidth)) {
      if (message.time.getTime() > until) return undefined;
      if (!mentions(message, needle)) continue;
      const record = decodeInvocationRecord(message);
      if (record?.invocationId === id) return record;
    }
    low = batchEnd + 1;
  }
  return undefined;
}
