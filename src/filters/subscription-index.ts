// Which subscriptions an event matches, without trying every subscription: each one is
// filed under one attribute value it requires exactly (its `type` when it has one), so an
// event only meets the subscriptions filed under its own values plus those that require
// no exact value. The compiled predicate (any dialect: data, cesql…) then decides. (The
// router's consumers narrow on the server the same way; this index answers the question
// inside one process — for the CLI, and for anything that must match many subscriptions
// at once.)

import type { Filter, SubscriptionConfig } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { attributeValue } from './attributes.js';
import { compileFilters, type EventPredicate } from './compile.js';

interface Entry {
  readonly subscription: SubscriptionConfig;
  readonly order: number;
  readonly matches: EventPredicate;
}

export class SubscriptionIndex {
  /** attribute name → exact value → subscriptions requiring it */
  readonly #byAttribute = new Map<string, Map<string, Entry[]>>();
  readonly #unindexed: Entry[] = [];

  constructor(subscriptions: readonly SubscriptionConfig[]) {
    subscriptions.forEach((subscription, order) => {
      const entry = { subscription, order, matches: compileFilters(subscription.filters) };
      const key = indexKey(subscription.filters);
      if (!key) return this.#unindexed.push(entry);
      let values = this.#byAttribute.get(key.attribute);
      if (!values) this.#byAttribute.set(key.attribute, (values = new Map()));
      const list = values.get(key.value);
      if (list) list.push(entry);
      else values.set(key.value, [entry]);
    });
  }

  /** The subscriptions the event matches, in the order they were declared. */
  match(event: CloudEventRecord): SubscriptionConfig[] {
    const matched: Entry[] = this.#unindexed.filter((e) => e.matches(event));
    for (const [attribute, values] of this.#byAttribute) {
      const value = attributeValue(event, attribute);
      const candidates = value === undefined ? undefined : values.get(value);
      if (candidates) for (const e of candidates) if (e.matches(event)) matched.push(e);
    }
    return matched.sort((a, b) => a.order - b.order).map((e) => e.subscription);
  }
}

/** One exact attribute value every matching event must have; `type` preferred. */
export function indexKey(filters: readonly Filter[]): { attribute: string; value: string } | undefined {
  const required = new Map<string, string>();
  collectRequired(filters, required);
  if (required.has('type')) return { attribute: 'type', value: required.get('type')! };
  const first = required.entries().next();
  return first.done ? undefined : { attribute: first.value[0], value: first.value[1] };
}

function collectRequired(filters: readonly Filter[], into: Map<string, string>): void {
  for (const filter of filters) {
    if ('exact' in filter) for (const [k, v] of Object.entries(filter.exact)) if (!into.has(k)) into.set(k, v);
    if ('all' in filter) collectRequired(filter.all, into);
  }
}
