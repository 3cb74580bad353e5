// Where an invocation record lives on the bus:
//
//   invocations.<function>.<subscription>.<succeeded|failed>
//
// Nothing per event or per invocation goes into the subject: nats-server keeps state in
// memory for every distinct subject a stream holds, so a subject per record made its memory
// grow with the number of records kept (300,000 records: +112 MB with unique subjects, +20 MB
// with one). With these four tokens there are at most two subjects per subscription.
//
// The function, subscription and failure filters of `switchboard invocations list` stay
// subject filters the server applies (`invocations.notify.*.failed`); the event filter is
// checked on each record read (matchesFilter), and `show <id>` finds a record by the time in
// its id (invocation-id.ts, invocation-query.ts). The record holds the precise outcome
// (timeout, crashed, …); the subject only says succeeded or failed, so that "what failed" is
// one filter. The root is not `events.`: records never reach EVENTS.

import { subjectToken } from '../events/subjects.js';
import type { InvocationRecord } from './record.js';

export const invocationsStream = 'INVOCATIONS';
export const invocationsSubjectRoot = 'invocations';
/** Every record, whatever its function, subscription or outcome. */
export const allInvocationsSubject = `${invocationsSubjectRoot}.>`;

/** What `list` can narrow on; every field absent matches everything. */
export interface InvocationFilter {
  readonly function?: string;
  readonly subscription?: string;
  /** Not in the subject: checked on each record read. */
  readonly eventId?: string;
  /** Only invocations that did not succeed. */
  readonly failed?: boolean;
}

export function invocationSubject(record: InvocationRecord): string {
  return [
    invocationsSubjectRoot,
    subjectToken(record.function),
    subjectToken(record.subscription),
    record.outcome === 'succeeded' ? 'succeeded' : 'failed',
  ].join('.');
}

/** The part of `filter` the server can apply: function, subscription and failure. */
export function invocationFilterSubject(filter: InvocationFilter): string {
  const token = (value: string | undefined) => (value === undefined ? '*' : subjectToken(value));
  return [
    invocationsSubjectRoot,
    token(filter.function),
    token(filter.subscription),
    filter.failed ? 'failed' : '*',
  ].join('.');
}

/** The whole filter, checked on the record itself: the event id is not in the subject. */
export function matchesFilter(record: InvocationRecord, filter: InvocationFilter): boolean {
  return (
    (filter.function === undefined || record.function === filter.function) &&
    (filter.subscription === undefined || record.subscription === filter.subscription) &&
    (filter.eventId === undefined || record.eventId === filter.eventId) &&
    (!filter.failed || record.outcome !== 'succeeded')
  );
}
