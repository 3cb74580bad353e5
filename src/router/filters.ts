// Compiles a subscription's filters (the Knative Eventing dialects) into one predicate, once,
// when the configuration is loaded. A list of filters means all must match.

import type { Filter } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';

export type EventPredicate = (event: CloudEventRecord) => boolean;

const matchAll: EventPredicate = () => true;

export function compileFilters(filters: readonly Filter[]): EventPredicate {
  if (filters.length === 0) return matchAll;
  if (filters.length === 1) return compileFilter(filters[0]!);
  return allOf(filters.map(compileFilter));
}

export function compileFilter(filter: Filter): EventPredicate {
  if ('exact' in filter) return attributes(filter.exact, (value, expected) => value === expected);
  if ('prefix' in filter) return attributes(filter.prefix, (value, expected) => value.startsWith(expected));
  if ('suffix' in filter) return attributes(filter.suffix, (value, expected) => value.endsWith(expected));
  if ('all' in filter) return allOf(filter.all.map(compileFilter));
  if ('any' in filter) return anyOf(filter.any.map(compileFilter));
  const inner = compileFilter(filter.not);
  return (event) => !inner(event);
}

/** Value of a context attribute or extension as a string; undefined when absent. */
export function attributeValue(event: CloudEventRecord, name: string): string | undefined {
  if (name === 'data' || name === 'data_base64') return undefined;
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

function attributes(
  expected: Readonly<Record<string, string>>,
  test: (value: string, expected: string) => boolean,
): EventPredicate {
  // Knative: every attribute named must be present and pass; an absent attribute fails.
  const pairs = Object.entries(expected);
  return (event) => {
    for (const [name, want] of pairs) {
      const value = attributeValue(event, name);
      if (value === undefined || !test(value, want)) return false;
    }
    return true;
  };
}

function allOf(predicates: EventPredicate[]): EventPredicate {
  return (event) => predicates.every((p) => p(event));
}

function anyOf(predicates: EventPredicate[]): EventPredicate {
  return (event) => predicates.some((p) => p(event));
}
