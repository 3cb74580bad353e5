// Which subscriptions an event matches, without trying every subscription: each one is
// filed under one thing every event it matches must carry — an attribute's exact value (its
// `type` preferred), a payload string's value, else a prefix or a suffix — as any dialect
// states it (each compiled leaf's `requires`: `exact:`/`prefix:`/`suffix:`, `data:` string
// operators, and the AND conjuncts of a CESQL expression such as `type = 'x'`,
// `subject IN ('a', 'b')` or `type LIKE 'com.vmware.%'`). An event then meets only the
// subscriptions filed under its own values, prefixes and suffixes, plus the few that require
// nothing (OR, NOT, regex, numbers…); the compiled predicate decides. The router's consumers
// narrow on the server the same way; this index answers the question inside one process.

import type { Filter, SubscriptionConfig } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { compileFilter, compileFilters, type EventPredicate } from './compile.js';
import type { IndexField, Requirement } from './compiled.js';

interface Entry {
  readonly subscription: SubscriptionConfig;
  readonly order: number;
  readonly matches: EventPredicate;
}

/** Entries filed by the leading (prefix) or trailing (suffix) characters of a value. */
class AffixTable {
  readonly #byAffix = new Map<string, Entry[]>();
  /** Distinct affix lengths, ascending: a few, however many subscriptions. */
  #lengths: number[] = [];

  constructor(readonly side: 'prefix' | 'suffix') {}

  add(affix: string, entry: Entry): void {
    const list = this.#byAffix.get(affix);
    if (list) list.push(entry);
    else this.#byAffix.set(affix, [entry]);
    if (!this.#lengths.includes(affix.length)) this.#lengths = [...this.#lengths, affix.length].sort((a, b) => a - b);
  }

  collect(value: string, event: CloudEventRecord, into: Entry[]): void {
    for (const length of this.#lengths) {
      if (length > value.length) return;
      const affix = this.side === 'prefix' ? value.slice(0, length) : value.slice(value.length - length);
      const candidates = this.#byAffix.get(affix);
      if (candidates) for (const e of candidates) if (e.matches(event)) into.push(e);
    }
  }
}

/** Everything filed under one field. */
class FieldTables {
  readonly exact = new Map<string, Entry[]>();
  prefix: AffixTable | undefined;
  suffix: AffixTable | undefined;
  constructor(readonly field: IndexField) {}

  add(requirement: Requirement, entry: Entry): void {
    if (requirement.kind === 'exact') {
      // One of several values: an event has one value, so it meets the entry at most once.
      for (const value of new Set(requirement.values)) {
        const list = this.exact.get(value);
        if (list) list.push(entry);
        else this.exact.set(value, [entry]);
      }
    } else {
      const table = (this[requirement.kind] ??= new AffixTable(requirement.kind));
      table.add(requirement.values[0]!, entry);
    }
  }

  collect(event: CloudEventRecord, into: Entry[]): void {
    const value = this.field.read(event);
    if (value === undefined) return;
    const candidates = this.exact.get(value);
    if (candidates) for (const e of candidates) if (e.matches(event)) into.push(e);
    this.prefix?.collect(value, event, into);
    this.suffix?.collect(value, event, into);
  }
}

export class SubscriptionIndex {
  readonly #fields = new Map<string, FieldTables>();
  readonly #unindexed: Entry[] = [];

  constructor(subscriptions: readonly SubscriptionConfig[]) {
    subscriptions.forEach((subscription, order) => {
      const entry = { subscription, order, matches: compileFilters(subscription.filters) };
      const key = indexKey(subscription.filters);
      if (!key) return this.#unindexed.push(entry);
      let tables = this.#fields.get(key.field.key);
      if (!tables) this.#fields.set(key.field.key, (tables = new FieldTables(key.field)));
      tables.add(key, entry);
    });
  }

  /** The subscriptions the event matches, in the order they were declared. */
  match(event: CloudEventRecord): SubscriptionConfig[] {
    const matched: Entry[] = [];
    for (const e of this.#unindexed) if (e.matches(event)) matched.push(e);
    for (const tables of this.#fields.values()) tables.collect(event, matched);
    if (matched.length > 1) matched.sort((a, b) => a.order - b.order);
    return matched.map((e) => e.subscription);
  }
}

/** How selective a requirement is: an exact type first, a suffix last. */
function rank(r: Requirement): number {
  const base = r.kind === 'exact' ? (r.field.key === 'type' ? 0 : r.field.key.startsWith('data:') ? 20 : 10) : r.kind === 'prefix' ? (r.field.key === 'type' ? 40 : 50) : 60;
  return base + Math.min(r.values.length - 1, 9);
}

/** The one requirement a subscription is filed under, or undefined when its filters state none. */
export function indexKey(filters: readonly Filter[]): Requirement | undefined {
  const found: Requirement[] = [];
  collectRequired(filters, found);
  let best: Requirement | undefined;
  for (const r of found) if (!best || rank(r) < rank(best)) best = r;
  return best;
}

/** What the top-level filters (all must match) and their `all:` lists require. */
function collectRequired(filters: readonly Filter[], into: Requirement[]): void {
  for (const filter of filters) {
    const node = compileFilter(filter);
    if (node.key === 'all') collectRequired((filter as { all: readonly Filter[] }).all, into);
    for (const r of node.leaf?.requires ?? []) if (r.values.length > 0 && r.values.every((v) => r.kind === 'exact' || v !== '')) into.push(r);
  }
}
