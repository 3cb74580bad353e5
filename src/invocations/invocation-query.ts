// What an operator asks of the invocation records: the newest few, narrowed by function,
// subscription, event or failure, and one record by its invocation id. Both are answered
// by the server's subject filters (subjects.ts); a list never reads the whole stream.

import type { Bus } from '../bus/bus.js';
import { InvocationNotFoundError } from '../errors.js';
import { decodeInvocationRecord } from './invocation-log.js';
import type { InvocationRecord } from './record.js';
import {
  invocationFilterSubject, invocationIdSubject, invocationsStream, matchesFilter, type InvocationFilter,
} from './subjects.js';

export const defaultListLimit = 20;

/**
 * The newest `limit` records that match, newest first. Records are stored in time order, so
 * the newest match is found with one last-by-subject lookup, then earlier ones are read
 * through windows of sequences walking back from it (each twice as wide as the last),
 * reading only the matching messages of each window.
 */
export async function listInvocations(bus: Bus, filter: InvocationFilter, limit = defaultListLimit): Promise<InvocationRecord[]> {
  if (limit <= 0) return [];
  const subject = invocationFilterSubject(filter);
  const newest = await bus.lastMessage(invocationsStream, subject);
  if (!newest) return [];
  const { firstSequence } = await bus.streamState(invocationsStream);
  const out: InvocationRecord[] = [];
  let high = newest.sequence;
  let width = limit;
  while (out.length < limit && high >= firstSequence) {
    const low = Math.max(firstSequence, high - width + 1);
    const window: InvocationRecord[] = [];
    for (let seq = low; seq <= high;) {
      const message = await bus.nextMessage(invocationsStream, seq, subject);
      if (!message || message.sequence > high) break;
      const record = decodeInvocationRecord(message);
      if (record && matchesFilter(record, filter)) window.push(record);
      seq = message.sequence + 1;
    }
    out.push(...window.reverse());
    high = low - 1;
    width *= 2;
  }
  return out.slice(0, limit);
}

export async function showInvocation(bus: Bus, invocationId: string): Promise<InvocationRecord> {
  const message = invocationId === '' ? undefined : await bus.lastMessage(invocationsStream, invocationIdSubject(invocationId));
  const record = message && decodeInvocationRecord(message);
  if (!record || record.invocationId !== invocationId) {
    throw new InvocationNotFoundError(
      `no invocation record has id ${JSON.stringify(invocationId)}; see switchboard invocations list (records older than bus.retention.invocations are gone)`,
    );
  }
  return record;
}
