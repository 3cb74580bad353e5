// The CESQL type system (spec §3.1) and its casts (§3.7). Values are plain JS primitives:
// Boolean is `boolean`, Integer is a `number` that is always a 32-bit signed integer (never
// -0), String is `string`.

export type CesqlValue = boolean | number | string;

export type CesqlType = 'Boolean' | 'Integer' | 'String';
/** A parameter type; `Any` takes every value as it is (the casting functions). */
export type ParameterType = CesqlType | 'Any';
/** What the compiler knows of a subexpression's type; `Unknown` for an attribute. */
export type StaticType = CesqlType | 'Unknown';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

export function typeOf(value: CesqlValue): CesqlType {
  return typeof value === 'string' ? 'String' : typeof value === 'number' ? 'Integer' : 'Boolean';
}

/** The zero value of a type (§3.1); an expression of unknown type counts as Boolean (§3.2). */
export function zeroOf(type: StaticType): CesqlValue {
  return type === 'Integer' ? 0 : type === 'String' ? '' : false;
}

export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

/** The value as an operator writes it in a message: 'abc', 12, TRUE. */
export function showValue(value: CesqlValue): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `String '${shown}'`;
  }
  return typeof value === 'number' ? `Integer ${value}` : `Boolean ${value ? 'TRUE' : 'FALSE'}`;
}

/** Outcome of a cast: the value, and why it failed when it did (the value is then the zero). */
export interface CastOutcome {
  value: CesqlValue;
  failure: string | undefined;
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/** String -> Integer (§3.7): base 10, optional sign, 32 bits; otherwise 0 and an error. */
export function stringToInteger(text: string, out: CastOutcome): CastOutcome {
  if (!INTEGER_TEXT.test(text)) return fail(out, 0, `cannot cast ${showValue(text)} to Integer: not a base-10 integer`);
  const n = Number(text);
  if (!isInt32(n)) return fail(out, 0, `cannot cast ${showValue(text)} to Integer: outside -2147483648..2147483647`);
  return ok(out, n + 0); // + 0 turns "-0" into 0
}

/** String -> Boolean (§3.7): "true" or "false" in any case; otherwise false and an error. */
export function stringToBoolean(text: string, out: CastOutcome): CastOutcome {
  const lower = text.toLowerCase();
  if (lower === 'true') return ok(out, true);
  if (lower === 'false') return ok(out, false);
  return fail(out, false, `cannot cast ${showValue(text)} to Boolean: only 'true' and 'false' (any case) can`);
}

export function toStringValue(value: CesqlValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * An explicit cast (the INT, BOOL and STRING functions): every row of the §3.7 table.
 * `out` is reused by the caller so a cast on the per-event path allocates nothing.
 */
export function castExplicit(value: CesqlValue, target: CesqlType, out: CastOutcome): CastOutcome {
  if (target === 'String') return ok(out, toStringValue(value));
  if (target === 'Integer') {
    if (typeof value === 'number') return ok(out, value);
    if (typeof value === 'boolean') return ok(out, value ? 1 : 0);
    return stringToInteger(value, out);
  }
  if (typeof value === 'boolean') return ok(out, value);
  if (typeof value === 'number') return ok(out, value !== 0);
  return stringToBoolean(value, out);
}

/**
 * An implicit cast (operator and function arguments, §3.7). The same as the explicit one
 * except Integer -> Boolean, which is refused with a CastError and the value false: the TCK
 * pins it (not_operator.yaml, "Invalid int cast": NOT 10 is TRUE with a cast error), so a
 * number is never silently taken for a truth value; BOOL(x) converts one on purpose.
 */
export function castImplicit(value: CesqlValue, target: CesqlType, out: CastOutcome): CastOutcome {
  if (target === 'Boolean' && typeof value === 'number') {
    return fail(out, false, `cannot use ${showValue(value)} as a Boolean; compare it (x <> 0) or use BOOL(x)`);
  }
  return castExplicit(value, target, out);
}

function ok(out: CastOutcome, value: CesqlValue): CastOutcome {
  out.value = value;
  out.failure = undefined;
  return out;
}

function fail(out: CastOutcome, value: CesqlValue, failure: string): CastOutcome {
  out.value = value;
  out.failure = failure;
  return out;
}

export function newCastOutcome(): CastOutcome {
  return { value: false, failure: undefined };
}
