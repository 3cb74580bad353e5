// Which subscriptions an event matches, without trying every subscription: each one is
// filed under one thing every event it matches must carry — an exact attribute value (its
// `type` preferred), else an attribute prefix — as any dialect states it (`exact:`,
// `prefix:`, or the conjuncts of a CESQL expression such as `type = 'x' AND …` or
// `type LIKE 'com.vmware.%'`; see each leaf's `requires`). An event then meets only the
// subscriptions filed under its own values and prefixes, plus those that require nothing
// (data-only, suffix, any/not); the compiled predicate decides. The router's consumers narrow
// on the server the same way; this index answers the question inside one process.

import type { Filter, SubscriptionConfig } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { attributeValue } from './attributes.js';
import { compileFilter, compileFilters, type EventPredicate } from './compile.js';

interface Entry {
  readonly subscription: SubscriptionConfig;
  readonly order: number;
  readonly matches: EventPredicate;
}

export interface IndexKey {
  readonly attribute: string;
  readonly value: string;
  /** exact: the attribute equals value; prefix: it starts with value. */
  readonly kind: 'exact' | 'prefix';
}

/** Subscriptions filed by prefix of one attribute: looked up by each prefix length in use. */
class PrefixTable {
  readonly byPrefix = new Map<string, Entry[]>();
  /** Distinct prefix lengths, ascending: a few, however many subscriptions. */
  lengths: number[] = [];

  add(prefix: string, entry: Entry): void {
    const list = this.byPrefix.get(prefix);
    if (list) list.push(entry);
    else this.byPrefix.set(prefix, [entry]);
    if (!this.lengths.includes(prefix.length)) this.lengths = [...this.lengths, prefix.length].sort((a, b) => a - b);
  }

  collect(value: string, event: CloudEventRecord, into: Entry[]): void {
    for (const length of this.lengths) {
      if (length > value.length) return;
      const candidates = this.byPrefix.get(value.slice(0, length));
      if (candidates) for (const e of candidates) if (e.matches(event)) into.push(e);
    }
  }
}

export class SubscriptionIndex {
  /** attribute name → exact value → subscriptions requiring it */
  readonly #byAttribute = new Map<string, Map<string, Entry[]>>();
  readonly #byPrefix = new Map<string, PrefixTable>();
  readonly #unindexed: Entry[] = [];

  constructor(subscriptions: readonly SubscriptionConfig[]) {
    subscriptions.forEach((subscription, order) => {
      const entry = { subscription, order, matches: compileFilters(subscription.filters) };
      const key = indexKey(subscription.filters);
      if (!key) {
        this.#unindexed.push(entry);
      } else if (key.kind === 'prefix') {
        let table = this.#byPrefix.get(key.attribute);
        if (!table) this.#byPrefix.set(key.attribute, (table = new PrefixTable()));
        table.add(key.value, entry);
      } else {
        let values = this.#byAttribute.get(key.attribute);
        if (!values) this.#byAttribute.set(key.attribute, (values = new Map()));
        const list = values.get(key.value);
        if (list) list.push(entry);
        else values.set(key.value, [entry]);
      }
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
    for (const [attribute, table] of this.#byPrefix) {
      const value = attributeValue(event, attribute);
      if (value !== undefined) table.collect(value, event, matched);
    }
    return matched.sort((a, b) => a.order - b.order).map((e) => e.subscription);
  }
}

/** One thing every matching event must have: an exact value (`type` first), else a prefix. */
export function indexKey(filters: readonly Filter[]): IndexKey | undefined {
  const exact = new Map<string, string>();
  const prefix = new Map<string, string>();
  collectRequired(filters, exact, prefix);
  const pick = (from: Map<string, string>, kind: IndexKey['kind']): IndexKey | undefined => {
    if (from.has('type')) return { attribute: 'type', value: from.get('type')!, kind };
    const first = from.entries().next();
    return first.done ? undefined : { attribute: first.value[0], value: first.value[1], kind };
  };
  return pick(exact, 'exact') ?? pick(prefix, 'prefix');
}

/** What the top-level filters (all must match) and their `all:` lists require. */
function collectRequired(filters: readonly Filter[], exact: Map<string, string>, prefix: Map<string, string>): void {
  for (const filter of filters) {
    const node = compileFilter(filter);
    if (node.key === 'all') collectRequired((filter as { all: readonly Filter[] }).all, exact, prefix);
    const requires = node.leaf?.requires;
    if (!requires) continue;
    for (const [name, value] of requires.exact) if (!exact.has(name)) exact.set(name, value);
    for (const [name, value] of requires.prefix) if (!prefix.has(name) && value !== '') prefix.set(name, value);
  }
}
