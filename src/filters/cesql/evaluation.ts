// The state one compiled expression shares between its closures while it evaluates an event,
// and the error propagation rule every operator and function follows.
//
// Errors propagate like this (spec §3.3, §4.1 fail-fast, and the TCK): the node that meets a
// problem (a failed cast, a division by zero, a missing attribute) records the error and still
// returns its own value (NOT 10 is TRUE with a cast error); every node above it then stops and
// returns the zero value of its type (`true AND (1 != 1 / 0)` is FALSE with a math error).
// So errors is null until the first error, and a node that sees it non-null after evaluating
// an operand returns its zero.

import { cesqlError, type CesqlError } from './errors.js';
import { castImplicit, newCastOutcome, type CesqlType, type CesqlValue, type StaticType } from './types.js';

export type CesqlEvent = Readonly<Record<string, unknown>>;
export type Evaluator = (event: CesqlEvent) => CesqlValue;

/** A compiled subexpression: its closure, and its type when the compiler knows it. */
export interface Compiled {
  readonly type: StaticType;
  readonly run: Evaluator;
  /** Set for literals, so operators can fold or index them at compile time. */
  readonly constant?: CesqlValue;
}

export class Evaluation {
  /** Errors of the evaluation under way; null while there are none (no allocation). */
  errors: CesqlError[] | null = null;
  // Reused for every cast: evaluation is synchronous and never re-entered.
  private readonly scratch = newCastOutcome();

  raise(error: CesqlError): void {
    if (this.errors === null) this.errors = [error];
    else this.errors.push(error);
  }

  /** Errors recorded so far: a node compares counts when it raised its own before an operand. */
  count(): number {
    return this.errors === null ? 0 : this.errors.length;
  }

  /** Implicit cast (§3.7) of an operand; a failure is a CastError naming where it happened. */
  cast(value: CesqlValue, target: CesqlType, where: string): CesqlValue {
    const out = castImplicit(value, target, this.scratch);
    if (out.failure !== undefined) this.raise(cesqlError('cast', `${out.failure} (${where})`));
    return out.value;
  }

  toBoolean(value: CesqlValue, where: string): boolean {
    return typeof value === 'boolean' ? value : (this.cast(value, 'Boolean', where) as boolean);
  }

  toInteger(value: CesqlValue, where: string): number {
    return typeof value === 'number' ? value : (this.cast(value, 'Integer', where) as number);
  }
}

export function constant(value: CesqlValue, type: CesqlType): Compiled {
  return { type, run: () => value, constant: value };
}
