// Where an invocation record lives on the bus:
//
//   invocations.<function>.<subscription>.<succeeded|failed>.<event id>.<invocation id>
//
// Every filter of `switchboard invocations list` is a subject filter the server applies
// (`invocations.notify.*.failed.>`), and `show <id>` is one last-by-subject lookup on
// `invocations.*.*.*.*.<id>` (nats-server 2.9 takes wildcards there). The record holds
// the precise outcome (timeout, crashed, …); the subject only says succeeded or failed, so
// that "what failed" is one filter. The root is not `events.`: records never reach EVENTS.

import { createHash } from 'node:crypto';
import { subjectToken } from '../events/subjects.js';
import type { InvocationRecord } from './record.js';

export const invocationsStream = 'INVOCATIONS';
export const invocationsSubjectRoot = 'invocations';

/** What `list` can narrow on; every field absent matches everything. */
export interface InvocationFilter {
  readonly function?: string;
  readonly subscription?: string;
  readonly eventId?: string;
  /** Only invocations that did not succeed. */
  readonly failed?: boolean;
}

/** Event ids are the sender's: a long one is hashed, so that a subject stays short. */
const maxEventIdToken = 128;

function eventIdToken(eventId: string): string {
  const token = subjectToken(eventId);
  if (token.length <= maxEventIdToken) return token;
  // `%h` cannot come out of subjectToken (its escapes are `%` and two hex digits).
  return `%h${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}`;
}

export function invocationSubject(record: InvocationRecord): string {
  return [
    invocationsSubjectRoot,
    subjectToken(record.function),
    subjectToken(record.subscription),
    record.outcome === 'succeeded' ? 'succeeded' : 'failed',
    eventIdToken(record.eventId),
    subjectToken(record.invocationId),
  ].join('.');
}

export function invocationFilterSubject(filter: InvocationFilter): string {
  const token = (value: string | undefined, of: (v: string) => string) => (value === undefined ? '*' : of(value));
  return [
    invocationsSubjectRoot,
    token(filter.function, subjectToken),
    token(filter.subscription, subjectToken),
    filter.failed ? 'failed' : '*',
    token(filter.eventId, eventIdToken),
    '*',
  ].join('.');
}

export function invocationIdSubject(invocationId: string): string {
  return [invocationsSubjectRoot, '*', '*', '*', '*', subjectToken(invocationId)].join('.');
}

/** The filter checked on the record itself too: a subject token is an escape or a hash. */
export function matchesFilter(record: InvocationRecord, filter: InvocationFilter): boolean {
  return (
    (filter.function === undefined || record.function === filter.function) &&
    (filter.subscription === undefined || record.subscription === filter.subscription) &&
    (filter.eventId === undefined || record.eventId === filter.eventId) &&
    (!filter.failed || record.outcome !== 'succeeded')
  );
}
