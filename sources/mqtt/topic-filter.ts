// MQTT topic filter matching (MQTT 5 4.7, MQTT 3.1.1 4.7). A persistent session outlives
// the config: a filter removed from `topics` stays subscribed in the broker's session, and
// its messages keep coming. The source recognises them by matching each topic against the
// filters it was configured with.

/** The filter a subscriber wrote, without the $share/<group>/ of a shared subscription (4.8.2). */
function ownFilter(filter: string): string {
  const m = /^\$share\/[^/]+\/(.*)$/.exec(filter);
  return m ? m[1]! : filter;
}

export function topicMatches(filter: string, topic: string): boolean {
  const levels = ownFilter(filter).split('/');
  const topicLevels = topic.split('/');
  // 4.7.2: a filter starting with a wildcard does not match topics starting with $ ($SYS/...).
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    // `#` also matches the parent level: sport/# matches sport (4.7.1.2).
    if (level === '#') return true;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return levels.length === topicLevels.length;
}

export function matchesAny(filters: readonly string[], topic: string): boolean {
  return filters.some((filter) => topicMatches(filter, topic));
}
