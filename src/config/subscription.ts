// A subscription as written (in switchboard.yaml, subscriptions/*.yaml or a function's
// `triggers:`) turned into the SubscriptionConfig the router runs: defaults applied,
// durations in milliseconds, and where it was declared kept for later errors.

import type { FunctionTrigger } from '../runtime/function-definition.js';
import { maxFunctionTimeout, subscriptionDefaults } from './defaults.js';
import { checkFilterList } from './filter-checks.js';
import type { KeyPath } from './key-path.js';
import { formatKeyPath } from './key-path.js';
import type { CodedProblem, ProblemCode } from './problems.js';
import type { DeclaredAt, Filter, RetryPolicy, SubscriptionConfig } from './types.js';
import { parseDuration } from './units.js';
import { positionAt, problemAt, type YamlFile } from './yaml-file.js';

/** One subscription as the schema accepted it. */
export interface WrittenSubscription {
  readonly name: string;
  readonly function?: string;
  readonly filters?: Filter[];
  readonly retry?: { attempts?: number; backoff?: RetryPolicy['backoff']; delay?: string; maxDelay?: string };
  readonly timeout?: string;
  readonly deadLetter?: boolean;
  readonly ordered?: boolean;
  readonly concurrency?: number;
}

export function declaredAt(yaml: YamlFile, path: KeyPath): DeclaredAt {
  return { file: yaml.file, ...positionAt(yaml, path), path: formatKeyPath(path) };
}

/** Only what was written, durations in ms: a function's trigger keeps this shape. */
export function readTrigger(written: WrittenSubscription, at: DeclaredAt): FunctionTrigger {
  const r = written.retry;
  const retry: Partial<Record<keyof RetryPolicy, unknown>> = {};
  if (r?.attempts !== undefined) retry.attempts = r.attempts;
  if (r?.backoff !== undefined) retry.backoff = r.backoff;
  if (r?.delay !== undefined) retry.delayMs = parseDuration(r.delay);
  if (r?.maxDelay !== undefined) retry.maxDelayMs = parseDuration(r.maxDelay);
  return {
    name: written.name,
    filters: written.filters ?? [],
    ...(r ? { retry: retry as Partial<RetryPolicy> } : {}),
    ...(written.timeout !== undefined ? { timeoutMs: parseDuration(written.timeout) } : {}),
    ...(written.deadLetter !== undefined ? { deadLetter: written.deadLetter } : {}),
    ...(written.ordered !== undefined ? { ordered: written.ordered } : {}),
    ...(written.concurrency !== undefined ? { concurrency: written.concurrency } : {}),
    declaredAt: at,
  };
}

/** The subscription the router runs: a trigger (or written subscription) with every default. */
export function subscriptionFromTrigger(trigger: FunctionTrigger, functionName: string): SubscriptionConfig {
  const d = subscriptionDefaults;
  const delayMs = trigger.retry?.delayMs ?? parseDuration(d.retry.delay);
  return {
    name: trigger.name,
    function: functionName,
    filters: trigger.filters,
    retry: {
      attempts: trigger.retry?.attempts ?? d.retry.attempts,
      backoff: trigger.retry?.backoff ?? d.retry.backoff,
      delayMs,
      // A long first delay raises the default cap rather than being cut by it.
      maxDelayMs: trigger.retry?.maxDelayMs ?? Math.max(parseDuration(d.retry.maxDelay), delayMs),
    },
    ...(trigger.timeoutMs !== undefined ? { timeoutMs: trigger.timeoutMs } : {}),
    deadLetter: trigger.deadLetter ?? d.deadLetter,
    ordered: trigger.ordered ?? d.ordered,
    concurrency: trigger.concurrency ?? d.concurrency,
    declaredAt: trigger.declaredAt,
  };
}

/** What the schema cannot say: limits between values, and filters that do not compile. */
export function checkSubscription(yaml: YamlFile, path: KeyPath, written: WrittenSubscription, code: ProblemCode): CodedProblem[] {
  const problems: CodedProblem[] = checkFilterList(yaml, [...path, 'filters'], written.filters);
  if (written.timeout !== undefined && parseDuration(written.timeout) > parseDuration(maxFunctionTimeout)) {
    problems.push(problemAt(yaml, [...path, 'timeout'], `expected a duration of at most ${maxFunctionTimeout}, the longest a function may run`, code));
  }
  const r = written.retry;
  if (r?.delay !== undefined && r.maxDelay !== undefined && parseDuration(r.maxDelay) < parseDuration(r.delay)) {
    problems.push(problemAt(yaml, [...path, 'retry', 'maxDelay'], 'expected a duration of at least retry.delay', code));
  }
  return problems;
}
