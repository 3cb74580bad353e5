// The two streams of the event path: EVENTS (every stored event, by source and type) and
// DLQ (events whose function failed on every attempt, by subscription).

import type { BusConfig } from '../config/types.js';
import type { StreamSpec } from '../bus/bus.js';
import { deadLetterSubjectRoot, eventsSubjectRoot } from './subjects.js';

export const eventsStream = 'EVENTS';
export const deadLetterStream = 'DLQ';

export function streamSpecs(bus: BusConfig): StreamSpec[] {
  return [
    {
      name: eventsStream,
      subjects: [`${eventsSubjectRoot}.>`],
      description: 'Switchboard: every event received, on events.<source>.<type>',
      ...bus.events,
      duplicateWindowMs: bus.duplicateWindowMs,
      replicas: bus.replicas,
    },
    {
      name: deadLetterStream,
      subjects: [`${deadLetterSubjectRoot}.>`],
      description: 'Switchboard: events whose function failed every attempt, on dlq.<subscription>',
      ...bus.deadLetter,
      duplicateWindowMs: bus.duplicateWindowMs,
      replicas: bus.replicas,
    },
  ];
}
