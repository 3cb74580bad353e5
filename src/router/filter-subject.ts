// The server-side half of matching: from a subscription's filters, the narrowest subject its
// JetStream consumer can filter on, so that nats-server (which indexes subjects) discards
// events the subscription cannot match before they reach the appliance. Only top-level
// filters (which must all match) on `type` can narrow; everything else is checked on the
// event by the compiled predicate, which always runs.

import type { Filter } from '../config/types.js';
import { eventsSubjectRoot, typeTokens } from '../events/subjects.js';

const everything = `${eventsSubjectRoot}.>`;

export function consumerFilterSubject(filters: readonly Filter[]): string {
  let best: string[] | undefined;
  for (const filter of filters) {
    if ('exact' in filter && filter.exact.type !== undefined) {
      return [eventsSubjectRoot, '*', ...typeTokens(filter.exact.type)].join('.');
    }
    if ('prefix' in filter && filter.prefix.type !== undefined) {
      const tokens = prefixTokens(filter.prefix.type);
      if (!best || tokens.length > best.length) best = tokens;
    }
    if ('all' in filter) {
      const inner = consumerFilterSubject(filter.all);
      if (inner !== everything) return inner;
    }
  }
  if (best === undefined) return everything;
  return [eventsSubjectRoot, '*', ...best, '>'].join('.');
}

/**
 * Tokens a type starting with `prefix` is sure to begin with: every complete dotted token
 * before the last dot. `com.vmware.vsphere.Vm` → [com, vmware, vsphere]; the type then has
 * at least one more token, which `>` matches.
 */
function prefixTokens(prefix: string): string[] {
  const lastDot = prefix.lastIndexOf('.');
  return lastDot < 0 ? [] : typeTokens(prefix.slice(0, lastDot));
}
