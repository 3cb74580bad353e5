// CloudEvents SQL Expression Language v1 (specs/cloudevents/cesql-spec.md): compile once when
// the configuration is loaded, then evaluate or match events on the per-event path.

import { compileExpression } from './compile.js';
import { cesqlError, SourceText, type CesqlError, type CesqlWarning } from './errors.js';
import { Evaluation, type CesqlEvent } from './evaluation.js';
import { parse } from './parser.js';
import { showValue, typeOf, type CesqlValue } from './types.js';
import { findWarnings } from './warnings.js';
import { requirementsOf, type CesqlRequirement } from './requirements.js';

export { CesqlParseError } from './errors.js';
export type { CesqlError, CesqlErrorKind, CesqlWarning } from './errors.js';
export type { CesqlValue } from './types.js';
export type { CesqlRequirement } from './requirements.js';
export { functionNames as cesqlFunctionNames } from './functions.js';

export interface CesqlResult {
  readonly value: CesqlValue;
  readonly errors: readonly CesqlError[];
}

export interface CompiledCesql {
  readonly expression: string;
  /** Found at compile time, not fatal: unknown functions, `data`, AND/OR without parentheses… */
  readonly warnings: readonly CesqlWarning[];
  /** What every matching event must carry (for the subscription index). */
  readonly requirements: readonly CesqlRequirement[];
  /** Never throws: evaluation errors are in `errors`, with the spec's result value. */
  evaluate(event: Readonly<Record<string, unknown>>): CesqlResult;
  /** As a filter: the result cast to Boolean is true (a non-Boolean result or failed cast is false, with its error). */
  matches(event: Readonly<Record<string, unknown>>): { matched: boolean; errors: readonly CesqlError[] };
}

const NO_ERRORS: readonly CesqlError[] = Object.freeze([]);
const MATCHED = Object.freeze({ matched: true, errors: NO_ERRORS });
const NOT_MATCHED = Object.freeze({ matched: false, errors: NO_ERRORS });

/** Parses and compiles once (at config load). Throws CesqlParseError with the position. */
export function compileCesql(expression: string): CompiledCesql {
  const source = new SourceText(expression);
  const tree = parse(source);
  const evaluation = new Evaluation();
  const root = compileExpression(tree, evaluation, source);
  const warnings = Object.freeze(findWarnings(tree, root.type, source).map((w) => Object.freeze(w)));
  const run = root.run;

  // Every operator is total, so only a broken event (a throwing getter) can throw in here.
  const guarded = (event: CesqlEvent): CesqlValue => {
    evaluation.errors = null;
    try {
      return run(event);
    } catch (cause) {
      evaluation.errors = [cesqlError('generic', `reading the event failed: ${String(cause)}`)];
      return false;
    }
  };

  const evaluate = (event: CesqlEvent): CesqlResult => {
    const value = guarded(event);
    const errors = evaluation.errors as CesqlError[] | null;
    evaluation.errors = null;
    return { value, errors: errors === null ? NO_ERRORS : errors };
  };

  // Spec §1.2: a filter passes only on a Boolean TRUE with no error at all.
  const matches = (event: CesqlEvent): { matched: boolean; errors: readonly CesqlError[] } => {
    const value = guarded(event);
    const errors = evaluation.errors as CesqlError[] | null;
    evaluation.errors = null;
    if (errors !== null) return { matched: false, errors };
    if (typeof value === 'boolean') return value ? MATCHED : NOT_MATCHED;
    return { matched: false, errors: [notBoolean(value)] };
  };

  return Object.freeze({ expression, warnings, requirements: requirementsOf(tree), evaluate, matches });
}

function notBoolean(value: CesqlValue): CesqlError {
  return cesqlError(
    'cast',
    `a filter must evaluate to a Boolean, and this one gave ${showValue(value)}; compare it, e.g. x = ${typeOf(value) === 'String' ? "'value'" : '1'}`,
  );
}
