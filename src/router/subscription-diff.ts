// Which subscriptions a reload adds, changes or removes. Where a subscription was declared
// (file, line) is not part of it: an edit elsewhere in the same file that moves it down a
// line leaves it untouched. Pure: no I/O.

import type { SubscriptionConfig } from '../config/types.js';

export interface SubscriptionChanges {
  readonly added: readonly SubscriptionConfig[];
  readonly changed: readonly SubscriptionConfig[];
  readonly removed: readonly string[];
}

/** The subscription as it behaves: everything but where it was written. */
function behaviour(subscription: SubscriptionConfig): string {
  const { declaredAt: _where, ...rest } = subscription;
  return JSON.stringify(rest);
}

export function diffSubscriptions(
  current: ReadonlyMap<string, SubscriptionConfig>,
  desired: readonly SubscriptionConfig[],
): SubscriptionChanges {
  const added: SubscriptionConfig[] = [];
  const changed: SubscriptionConfig[] = [];
  const wanted = new Set<string>();
  for (const subscription of desired) {
    wanted.add(subscription.name);
    const old = current.get(subscription.name);
    if (!old) added.push(subscription);
    else if (behaviour(old) !== behaviour(subscription)) changed.push(subscription);
  }
  const removed = [...current.keys()].filter((name) => !wanted.has(name));
  return { added, changed, removed };
}
