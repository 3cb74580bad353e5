// Compiles a subscription's filters into one predicate. Each filter object is compiled once —
// when the configuration is loaded (checkFilters) — and kept beside it, so the router's
// runners, the subscription index and the tester all reuse that one compiled form (its
// regexes and CESQL expressions included). A list of filters means all must match.

import { InvalidFilterError } from '../errors.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { compileAttributes } from './attributes.js';
import { compileCesqlFilter } from './cesql.js';
import type { CompiledLeaf, EventPredicate, FilterErrorSink, Matcher } from './compiled.js';
import { compileDataMatcher } from './data.js';
import { filterKeys, type Filter } from './types.js';

export type { EventPredicate, FilterErrorSink, FilterEvaluationError } from './compiled.js';

export type FilterKey = (typeof filterKeys)[number];
type DialectKey = Exclude<FilterKey, 'all' | 'any' | 'not'>;

/** A filter ready to run: its predicate, and its parts for explanations. */
export interface CompiledFilter {
  readonly key: FilterKey;
  readonly filter: Filter;
  readonly matches: Matcher;
  /** all/any: their filters; not: the one it inverts; a dialect: none. */
  readonly children: readonly CompiledFilter[];
  /** A dialect's own explanation; composites have none. */
  readonly leaf?: CompiledLeaf;
}

// The dialects, by key: a new one is a file and one line here.
const dialects: { readonly [K in DialectKey]: (value: never) => CompiledLeaf } = {
  exact: (expected: Readonly<Record<string, string>>) => compileAttributes('exact', expected),
  prefix: (expected: Readonly<Record<string, string>>) => compileAttributes('prefix', expected),
  suffix: (expected: Readonly<Record<string, string>>) => compileAttributes('suffix', expected),
  data: compileDataMatcher,
  cesql: compileCesqlFilter,
};

const compiled = new WeakMap<Filter, CompiledFilter>();

export function filterKey(filter: Filter): FilterKey {
  const keys = Object.keys(filter);
  const key = keys[0] as FilterKey | undefined;
  if (keys.length !== 1 || !key || !filterKeys.includes(key)) {
    throw new InvalidFilterError(`a filter is exactly one of ${filterKeys.join(', ')}; got ${keys.length === 0 ? 'none' : keys.join(' and ')}`);
  }
  return key;
}

/** The compiled form of one filter (compiled on first use). Throws InvalidFilterError. */
export function compileFilter(filter: Filter): CompiledFilter {
  let node = compiled.get(filter);
  if (!node) {
    node = build(filter);
    compiled.set(filter, node);
  }
  return node;
}

function build(filter: Filter): CompiledFilter {
  const key = filterKey(filter);
  const value = (filter as Record<string, unknown>)[key];
  if (key === 'all' || key === 'any') {
    const children = (value as readonly Filter[]).map(compileFilter);
    const matchers = children.map((c) => c.matches);
    return { key, filter, children, matches: key === 'all' ? allOf(matchers) : anyOf(matchers) };
  }
  if (key === 'not') {
    const inner = compileFilter(value as Filter);
    return { key, filter, children: [inner], matches: (event, onError) => !inner.matches(event, onError) };
  }
  const leaf = dialects[key](value as never);
  return { key, filter, children: [], leaf, matches: leaf.matches };
}

/** Compile-time warnings of the filters (CESQL's), each with where it is: `filters[0].any[1]`. */
export function filterWarnings(filters: readonly Filter[]): { path: string; message: string }[] {
  const found: { path: string; message: string }[] = [];
  const walk = (node: CompiledFilter, path: string): void => {
    for (const message of node.leaf?.warnings ?? []) found.push({ path, message });
    node.children.forEach((child, i) => walk(child, node.key === 'not' ? `${path}.not` : `${path}.${node.key}[${i}]`));
  };
  filters.forEach((f, i) => walk(compileFilter(f), `filters[${i}]`));
  return found;
}

const matchAll: EventPredicate = () => true;

/**
 * One predicate for a subscription's filters (all must match; none matches everything).
 * `onError` hears of every evaluation error (CESQL), with the event.
 */
export function compileFilters(filters: readonly Filter[], options: { onError?: FilterErrorSink } = {}): EventPredicate {
  if (filters.length === 0) return matchAll;
  const { onError } = options;
  const matchers = filters.map((f) => compileFilter(f).matches);
  if (matchers.length === 1) {
    const only = matchers[0]!;
    return (event) => only(event, onError);
  }
  const all = allOf(matchers);
  return (event) => all(event, onError);
}

function allOf(matchers: readonly Matcher[]): Matcher {
  return (event: CloudEventRecord, onError?: FilterErrorSink) => {
    for (const m of matchers) if (!m(event, onError)) return false;
    return true;
  };
}

function anyOf(matchers: readonly Matcher[]): Matcher {
  return (event: CloudEventRecord, onError?: FilterErrorSink) => {
    for (const m of matchers) if (m(event, onError)) return true;
    return false;
  };
}

/** A filter that cannot be compiled, at its path inside the filter list: `[1, 'data', 'regex']`. */
export interface FilterProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** 0-based offset in the string at `path` (a regex, an expression), when known. */
  readonly position?: number;
}

/**
 * Compiles every filter of the list (so the router later reuses them) and returns what
 * cannot be compiled, every problem at its own path.
 */
export function checkFilters(filters: readonly Filter[]): FilterProblem[] {
  const problems: FilterProblem[] = [];
  filters.forEach((filter, i) => checkFilter(filter, [i], problems));
  if (problems.length === 0) filters.forEach(compileFilter);
  return problems;
}

function checkFilter(filter: Filter, path: readonly (string | number)[], problems: FilterProblem[]): void {
  let key: FilterKey;
  try {
    key = filterKey(filter);
  } catch (err) {
    return void problems.push({ path, message: (err as Error).message });
  }
  const value = (filter as Record<string, unknown>)[key];
  if (key === 'all' || key === 'any') (value as readonly Filter[]).forEach((f, i) => checkFilter(f, [...path, key, i], problems));
  else if (key === 'not') checkFilter(value as Filter, [...path, key], problems);
  else {
    try {
      compileFilter(filter);
    } catch (err) {
      if (!(err instanceof InvalidFilterError)) throw err;
      const at = err.key !== undefined && err.key !== key ? [...path, key, err.key] : [...path, key];
      problems.push({ path: at, message: err.message, ...(err.position === undefined ? {} : { position: err.position }) });
    }
  }
}
