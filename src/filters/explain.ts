// Why a subscription does or does not match an event (`switchboard subscriptions test`),
// filter by filter, down through all/any/not. Every yes/no here is the compiled filter's own
// answer (node.matches, the router's predicate): only the words are worked out on the side,
// so the tester can never tell a different story from the router.

import type { SubscriptionConfig } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { compileFilter, compileFilters, type CompiledFilter } from './compile.js';
import { renderFilter } from './render.js';
import type { Filter } from './types.js';

export interface FilterExplanation {
  /** Where the filter is: `filters[1]`, `filters[0].any[2]`. */
  readonly path: string;
  /** The filter as one line: `data Vm.Name prefix "prod-"`. */
  readonly filter: string;
  readonly matched: boolean;
  readonly reason: string;
  /** A CESQL result and its errors. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The filters of an all/any, or the one of a not. */
  readonly children?: readonly FilterExplanation[];
}

export interface SubscriptionExplanation {
  readonly subscription: string;
  readonly function: string;
  readonly matched: boolean;
  readonly filters: readonly FilterExplanation[];
}

export function explainFilter(filter: Filter, event: CloudEventRecord, path = 'filter'): FilterExplanation {
  return explainNode(compileFilter(filter), event, path);
}

function explainNode(node: CompiledFilter, event: CloudEventRecord, path: string): FilterExplanation {
  const matched = node.matches(event);
  const base = { path, filter: renderFilter(node.filter), matched };
  if (node.leaf) {
    const reason = node.leaf.reason(event, matched);
    return { ...base, reason: reason.text, ...(reason.details ? { details: reason.details } : {}) };
  }
  const children = node.key === 'not'
    ? [explainNode(node.children[0]!, event, `${path}.not`)]
    : node.children.map((child, i) => explainNode(child, event, `${path}.${node.key}[${i}]`));
  const passed = children.filter((c) => c.matched).length;
  const n = children.length;
  const reason = node.key === 'not'
    ? (matched ? 'the filter inside does not match' : 'the filter inside matches')
    : node.key === 'all'
      ? (matched ? `all ${n} match` : `${n - passed} of ${n} do not match`)
      : (matched ? `${passed} of ${n} match` : `none of ${n} match`);
  return { ...base, reason, children };
}

export function explainSubscription(subscription: SubscriptionConfig, event: CloudEventRecord): SubscriptionExplanation {
  const filters = subscription.filters.map((f, i) => explainFilter(f, event, `filters[${i}]`));
  return {
    subscription: subscription.name,
    function: subscription.function,
    // The router's predicate itself decides; the explanations above give the reasons.
    matched: compileFilters(subscription.filters)(event),
    filters,
  };
}

/**
 * In words: `subscription x: match (function f)`, or `subscription x: no match:` and the
 * first failing filter with its reason, then every other failing filter and, under a
 * composition, the filters that made it fail, indented.
 */
export function formatExplanation(e: SubscriptionExplanation): string[] {
  if (e.matched) {
    const how = e.filters.length === 0 ? 'no filters' : `${e.filters.length} filter(s) pass`;
    return [`subscription ${e.subscription}: match (function ${e.function}; ${how})`];
  }
  const failing = e.filters.filter((f) => !f.matched);
  const [first, ...others] = failing;
  if (!first) return [`subscription ${e.subscription}: no match`];
  return [
    `subscription ${e.subscription}: no match: ${line(first)}`,
    ...culprits(first, '    '),
    ...others.flatMap((f) => [`  and ${line(f)}`, ...culprits(f, '    ')]),
  ];
}

function line(f: FilterExplanation): string {
  return `${f.path} ${f.filter}: ${f.reason}`;
}

/** The filters inside a failed composition that made it fail, recursively. */
function culprits(f: FilterExplanation, indent: string): string[] {
  if (!f.children) return [];
  // A failed not failed because its filter matched; all, because some did not; any, because none did.
  const shown = f.filter === 'not' ? f.children : f.children.filter((c) => !c.matched);
  return shown.flatMap((c) => [`${indent}${line(c)}`, ...(c.matched ? [] : culprits(c, `${indent}  `))]);
}
