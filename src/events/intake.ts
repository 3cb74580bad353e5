// The intake: the only way an event reaches the bus. It validates the candidate a source
// handed over, publishes it on events.<source>.<type> with a deduplication id derived from
// (source, id), and resolves only once JetStream stored it — the source acknowledges
// upstream after that and never before (DESIGN.md "The event path").

import type { Bus } from '../bus/bus.js';
import type { Dispatch, EventCandidate, StoredEvent } from '../../sources/source.js';
import { eventMessageId } from './message-id.js';
import { eventSubject } from './subjects.js';
import { validateCloudEvent } from './validate.js';

export function createDispatch(bus: Bus, sourceName: string): Dispatch {
  return async (candidate: EventCandidate): Promise<StoredEvent> => {
    const event = validateCloudEvent(candidate);
    const ack = await bus.publish(eventSubject(sourceName, event.type), encodeEvent(event), {
      msgId: eventMessageId(sourceName, event.source, event.id),
    });
    return { event, sequence: ack.sequence, duplicate: ack.duplicate };
  };
}

export function encodeEvent(event: object): Uint8Array {
  return Buffer.from(JSON.stringify(event));
}
