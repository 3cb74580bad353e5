import { createHash } from 'node:crypto';

/**
 * JetStream deduplication id for an event. CloudEvents are unique by (source, id), so a
 * sender that retries a publish, or two appliances producing the same event, store it once.
 */
export function eventMessageId(source: string, id: string): string {
  return createHash('sha256').update(source).update('\u0000').update(id).digest('base64url');
}
