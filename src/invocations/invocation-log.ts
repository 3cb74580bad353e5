// Keeping invocation records: one message per invocation on the INVOCATIONS stream (limits
// retention, oldest dropped first: bus.retention.invocations). A record is a convenience for
// the operator, never part of the event's delivery: a caller publishes it without waiting
// and a failure costs a warning, not a retry (subscription-runner.ts).

import type { Bus, StoredMessage } from '../bus/bus.js';
import type { InvocationRecord } from './record.js';
import { invocationSubject } from './subjects.js';

export async function publishInvocationRecord(bus: Bus, record: InvocationRecord): Promise<void> {
  await bus.publish(invocationSubject(record), Buffer.from(JSON.stringify(record)));
}

/** A stored record, or undefined for a message on the stream that is not one. */
export function decodeInvocationRecord(message: StoredMessage): InvocationRecord | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(message.data)) as Partial<InvocationRecord> | null;
    if (value && typeof value.invocationId === 'string' && typeof value.function === 'string' && value.output) return value as InvocationRecord;
  } catch {
    // not JSON: skipped
  }
  return undefined;
}
