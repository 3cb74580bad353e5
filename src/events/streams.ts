// The streams of the event path: EVENTS (every stored event, by source and type), DLQ
// (events whose function failed on every attempt, by subscription) and INVOCATIONS (a
// record of every invocation, see src/invocations/).

import type { BusConfig } from '../config/types.js';
import type { StreamSpec } from '../bus/bus.js';
import { invocationsStream, invocationsSubjectRoot } from '../invocations/subjects.js';
import { deadLetterSubjectRoot, eventsSubjectRoot } from './subjects.js';

export const eventsStream = 'EVENTS';
export const deadLetterStream = 'DLQ';

export function streamSpecs(bus: BusConfig): StreamSpec[] {
  return [
    {
      name: eventsStream,
      subjects: [`${eventsSubjectRoot}.>`],
      description: 'Switchboard: every event received, on events.<source>.<type>',
      // An event stays until every subscription that can match it has settled it; when the
      // stream is full new events are refused (the source answers 503 and the sender
      // retries) rather than undelivered old ones dropped.
      retention: 'interest',
      discard: 'new',
      ...bus.events,
      limitsKey: 'bus.retention.events',
      duplicateWindowMs: bus.duplicateWindowMs,
      replicas: bus.replicas,
    },
    {
      name: deadLetterStream,
      subjects: [`${deadLetterSubjectRoot}.>`],
      description: 'Switchboard: events whose function failed every attempt, on dlq.<subscription>',
      // Nobody consumes the DLQ: it keeps entries until replayed, purged or past maxAge.
      // Full, it refuses: the failed event then stays on EVENTS and is retried later.
      retention: 'limits',
      discard: 'new',
      ...bus.deadLetter,
      limitsKey: 'bus.retention.deadLetter',
      duplicateWindowMs: bus.duplicateWindowMs,
      replicas: bus.replicas,
    },
    {
      name: invocationsStream,
      subjects: [`${invocationsSubjectRoot}.>`],
      description: 'Switchboard: a record of every invocation, on invocations.<function>.<subscription>.<succeeded|failed>',
      // A history, not work to do: when full or old, the oldest records go.
      retention: 'limits',
      discard: 'old',
      ...bus.invocations,
      limitsKey: 'bus.retention.invocations',
      duplicateWindowMs: bus.duplicateWindowMs,
      replicas: bus.replicas,
    },
  ];
}
