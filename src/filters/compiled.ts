// What a filter compiles to. Every dialect yields a leaf with the predicate the router runs
// and, beside it, the words for why that predicate said yes or no (for `subscriptions
// test`). The explanation never recomputes the answer: it asks the same predicate, so the
// tester and the router cannot disagree.

import type { CloudEventRecord } from '../events/cloudevent.js';

export type EventPredicate = (event: CloudEventRecord) => boolean;

/** An evaluation error of a filter (CESQL's error kinds); the filter then does not match. */
export interface FilterEvaluationError {
  readonly kind: string;
  readonly message: string;
  /** The expression that raised it, as written. */
  readonly expression: string;
}

/** Told of every evaluation error, with the event it happened on (to count and log it). */
export type FilterErrorSink = (error: FilterEvaluationError, event: CloudEventRecord) => void;

export type Matcher = (event: CloudEventRecord, onError?: FilterErrorSink) => boolean;

export interface Reason {
  readonly text: string;
  /** Facts for `--json` (a CESQL result and its errors). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Something of an event the index can look up: an attribute, or a string in the payload. */
export interface IndexField {
  /** Unique per field: `type`, `source`, `data.Vm.Name`… */
  readonly key: string;
  /** The value as the filter sees it, as a string; undefined when absent (or not a string in data). */
  read(event: CloudEventRecord): string | undefined;
}

/**
 * A fact every event a filter matches has (see subscription-index.ts): the field's value is
 * one of `values` (exact), or starts (prefix) or ends (suffix) with the one value.
 */
export interface Requirement {
  readonly field: IndexField;
  readonly kind: 'exact' | 'prefix' | 'suffix';
  readonly values: readonly string[];
}

export interface CompiledLeaf {
  readonly matches: Matcher;
  /** What a matching event must carry, when the dialect can say: the index files it there. */
  readonly requires?: readonly Requirement[];
  /** What the operator most likely did not mean, found at compile time (not fatal). */
  readonly warnings?: readonly string[];
  /** Why `matches` gave `matched` on this event. Off the hot path: may allocate freely. */
  reason(event: CloudEventRecord, matched: boolean): Reason;
}
