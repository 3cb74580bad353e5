import { createHash } from 'node:crypto';

/**
 * JetStream deduplication id for an event. CloudEvents are unique by (source, id), so a
 * sender that retries a publish, or two appliances producing the same event through the
 * same configured source (a shared cron schedule, one vCenter), store it once. The
 * configured source's name is part of it: an event that merely claims another source's
 * `source` and `id` (anyone can write those into a webhook body) cannot make the real one
 * look like a duplicate.
 */
export function eventMessageId(sourceName: string, source: string, id: string): string {
  return createHash('sha256').update(sourceName).update('\u0000').update(source).update('\u0000').update(id).digest('base64url');
}
