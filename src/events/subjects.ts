// Where an event lives on the bus: `events.<source-name>.<type tokens>` — the CloudEvent
// type's own dots become subject tokens so that a subscription's consumer can narrow on
// the server (DESIGN.md "Subjects carry what subscriptions filter on most").

export const eventsSubjectRoot = 'events';
export const deadLetterSubjectRoot = 'dlq';

/**
 * One subject token from arbitrary text. NATS tokens cannot be empty or hold whitespace,
 * `.`, `*` or `>`; those (and `%`, the escape itself) are percent-encoded, and an empty
 * token becomes `%`. The mapping is only an optimisation for server-side narrowing: the
 * router still checks every filter on the event itself.
 */
export function subjectToken(text: string): string {
  if (text === '') return '%';
  return text.replace(/[\s.*>%\u0000-\u001f\u007f]/gu, (c) => `%${c.codePointAt(0)!.toString(16).padStart(2, '0')}`);
}

/** Subject tokens for a dotted CloudEvent type: `com.example.Thing` → `com.example.Thing`. */
export function typeTokens(type: string): string[] {
  return type.split('.').map(subjectToken);
}

/** Subjects by source and type: a source sends a handful of types, over and over. Bounded. */
const subjectCache = new Map<string, string>();
const subjectCacheLimit = 10_000;

export function eventSubject(sourceName: string, type: string): string {
  const key = `${sourceName}\u0000${type}`;
  let subject = subjectCache.get(key);
  if (subject === undefined) {
    subject = [eventsSubjectRoot, subjectToken(sourceName), ...typeTokens(type)].join('.');
    if (subjectCache.size >= subjectCacheLimit) subjectCache.clear();
    subjectCache.set(key, subject);
  }
  return subject;
}

export function deadLetterSubject(subscription: string): string {
  return `${deadLetterSubjectRoot}.${subjectToken(subscription)}`;
}
