// After the last attempt an event is parked in the DLQ stream unchanged, with extension
// attributes saying where it failed and why; only then is the original acknowledged.

import type { Bus, StoredMessage } from '../bus/bus.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { deadLetterSubject } from '../events/subjects.js';

/** Extension attributes added to a dead-lettered event (lower-case, ≤ 20 chars, per the spec). */
export const deadLetterExtensions = {
  subscription: 'dlsubscription',
  function: 'dlfunction',
  attempts: 'dlattempts',
  error: 'dlerror',
  time: 'dltime',
} as const;

/** Headers on a DLQ message: where to put the event back when it is replayed. */
export const deadLetterHeaders = {
  originalSubject: 'Switchboard-Original-Subject',
  originalSequence: 'Switchboard-Original-Sequence',
  subscription: 'Switchboard-Subscription',
} as const;

/** Header on a replayed event: only this subscription takes it; the others skip it. */
export const replayForHeader = 'Switchboard-Replay-For';

const maxErrorLength = 4_096;

export interface DeadLetterEntry {
  readonly event: CloudEventRecord;
  readonly subscription: string;
  readonly function: string;
  readonly attempts: number;
  readonly error: string;
  readonly originalSubject: string;
  readonly originalSequence: number;
  /** Distinguishes several entries parked for one original message (its returned events). */
  readonly key?: string;
}

export async function publishDeadLetter(bus: Bus, entry: DeadLetterEntry): Promise<void> {
  const parked = {
    ...entry.event,
    [deadLetterExtensions.subscription]: entry.subscription,
    [deadLetterExtensions.function]: entry.function,
    [deadLetterExtensions.attempts]: entry.attempts,
    [deadLetterExtensions.error]: entry.error.slice(0, maxErrorLength),
    [deadLetterExtensions.time]: new Date().toISOString(),
  };
  await bus.publish(deadLetterSubject(entry.subscription), new TextEncoder().encode(JSON.stringify(parked)), {
    // A crash between this publish and the ack redelivers the original; this id stores it once.
    msgId: `dlq:${entry.subscription}:${entry.key ?? entry.originalSequence}`,
    headers: {
      [deadLetterHeaders.originalSubject]: entry.originalSubject,
      [deadLetterHeaders.originalSequence]: String(entry.originalSequence),
      [deadLetterHeaders.subscription]: entry.subscription,
    },
  });
}

/** A DLQ message as the CLI shows it. */
export interface ParkedEvent {
  readonly id: number;
  readonly subscription: string;
  readonly function: string;
  readonly attempts: number;
  readonly error: string;
  readonly deadLetteredAt: string;
  readonly originalSubject: string;
  readonly event: CloudEventRecord;
}

export function parkedEvent(message: StoredMessage): ParkedEvent {
  const record = JSON.parse(new TextDecoder().decode(message.data)) as Record<string, unknown>;
  const event: Record<string, unknown> = { ...record };
  for (const name of Object.values(deadLetterExtensions)) delete event[name];
  return {
    id: message.sequence,
    subscription: String(record[deadLetterExtensions.subscription] ?? message.headers[deadLetterHeaders.subscription] ?? ''),
    function: String(record[deadLetterExtensions.function] ?? ''),
    attempts: Number(record[deadLetterExtensions.attempts] ?? 0),
    error: String(record[deadLetterExtensions.error] ?? ''),
    deadLetteredAt: String(record[deadLetterExtensions.time] ?? message.time.toISOString()),
    originalSubject: message.headers[deadLetterHeaders.originalSubject] ?? '',
    event: event as unknown as CloudEventRecord,
  };
}
