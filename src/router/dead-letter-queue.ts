// What an operator does with parked events: list them, look at one, put them back on the
// path to the subscription that failed (and only that one), or throw them away.

import type { Bus } from '../bus/bus.js';
import { DeadLetterNotFoundError } from '../errors.js';
import { deadLetterStream } from '../events/streams.js';
import { encodeEvent } from '../events/intake.js';
import { parkedEvent, replayForHeader, type ParkedEvent } from './dead-letter.js';

export async function listParked(bus: Bus, options: { limit: number; subscription?: string }): Promise<ParkedEvent[]> {
  const out: ParkedEvent[] = [];
  let from = 1;
  while (out.length < options.limit) {
    const batch = await bus.listMessages(deadLetterStream, from, 256);
    if (batch.length === 0) break;
    for (const message of batch) {
      const parked = parkedEvent(message);
      if (!options.subscription || parked.subscription === options.subscription) out.push(parked);
      if (out.length >= options.limit) break;
    }
    from = batch.at(-1)!.sequence + 1;
  }
  return out;
}

export async function showParked(bus: Bus, id: number): Promise<ParkedEvent> {
  const message = await bus.getMessage(deadLetterStream, id);
  if (!message) throw new DeadLetterNotFoundError(`no dead-lettered event has id ${id}; see switchboard dlq list`);
  return parkedEvent(message);
}

/**
 * Publish the event, unchanged, back on its original subject for its subscription only,
 * then remove it from the DLQ. If it fails again it is parked again, with a new id.
 */
export async function replayParked(bus: Bus, parked: ParkedEvent): Promise<void> {
  await bus.publish(parked.originalSubject, encodeEvent(parked.event), {
    // Replaying the same DLQ entry twice (two operators, a retried command) stores it once.
    msgId: `replay:${parked.subscription}:${parked.id}`,
    headers: { [replayForHeader]: parked.subscription },
  });
  await bus.deleteMessage(deadLetterStream, parked.id);
}

export async function purgeParked(bus: Bus): Promise<number> {
  return bus.purge(deadLetterStream);
}
