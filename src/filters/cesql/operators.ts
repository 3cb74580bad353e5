// Unary and binary operators (spec §3.4.1, §3.4.2) compiled to closures. Each evaluates its
// operands, stops with its zero value if an operand raised an error (see evaluation.ts),
// casts them implicitly (§3.7), and computes.

import type { BinaryOperator } from './ast.js';
import { cesqlError } from './errors.js';
import type { Compiled, Evaluation } from './evaluation.js';
import { INT32_MAX, INT32_MIN } from './types.js';

export function compileNot(operand: Compiled, ev: Evaluation, where: string): Compiled {
  const run = operand.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const value = run(event);
      if (ev.errors !== null) return false;
      return !ev.toBoolean(value, where);
    },
  };
}

export function compileNegate(operand: Compiled, ev: Evaluation, where: string): Compiled {
  const run = operand.run;
  return {
    type: 'Integer',
    run: (event) => {
      const value = run(event);
      if (ev.errors !== null) return 0;
      return checked(0 - ev.toInteger(value, where), '-', ev, where);
    },
  };
}

export function compileBinary(operator: BinaryOperator, left: Compiled, right: Compiled, ev: Evaluation, where: string): Compiled {
  switch (operator) {
    case 'AND':
      return and(left, right, ev, where);
    case 'OR':
      return or(left, right, ev, where);
    case 'XOR':
      return booleans(left, right, ev, where, (a, b) => a !== b);
    case '=':
      return equality(left, right, ev, where, true);
    case '!=':
    case '<>':
      return equality(left, right, ev, where, false);
    case '<':
      return integers(left, right, ev, where, 'Boolean', (a, b) => a < b);
    case '<=':
      return integers(left, right, ev, where, 'Boolean', (a, b) => a <= b);
    case '>':
      return integers(left, right, ev, where, 'Boolean', (a, b) => a > b);
    case '>=':
      return integers(left, right, ev, where, 'Boolean', (a, b) => a >= b);
    case '+':
      return integers(left, right, ev, where, 'Integer', (a, b) => checked(a + b, '+', ev, where));
    case '-':
      return integers(left, right, ev, where, 'Integer', (a, b) => checked(a - b, '-', ev, where));
    case '*':
      return integers(left, right, ev, where, 'Integer', (a, b) => checked(a * b, '*', ev, where));
    case '/':
      return integers(left, right, ev, where, 'Integer', (a, b) => divide(a, b, ev, where));
    case '%':
      return integers(left, right, ev, where, 'Integer', (a, b) => remainder(a, b, ev, where));
  }
}

// AND and OR are short-circuit (§3.4.2, §3.6): the right operand is not evaluated when the left
// decides. A failed cast gives FALSE, so a left operand that lets AND go on cast cleanly.
function and(left: Compiled, right: Compiled, ev: Evaluation, where: string): Compiled {
  const l = left.run;
  const r = right.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const a = l(event);
      if (ev.errors !== null || !ev.toBoolean(a, where)) return false;
      const b = r(event);
      if (ev.errors !== null) return false;
      return ev.toBoolean(b, where);
    },
  };
}

function or(left: Compiled, right: Compiled, ev: Evaluation, where: string): Compiled {
  const l = left.run;
  const r = right.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const a = l(event);
      if (ev.errors !== null) return false;
      if (ev.toBoolean(a, where)) return true;
      const own = ev.count(); // a failed cast of the left operand is this node's own error
      const b = r(event);
      if (ev.count() > own) return false;
      return ev.toBoolean(b, where);
    },
  };
}

function booleans(left: Compiled, right: Compiled, ev: Evaluation, where: string, op: (a: boolean, b: boolean) => boolean): Compiled {
  const l = left.run;
  const r = right.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const a = l(event);
      if (ev.errors !== null) return false;
      const b = r(event);
      if (ev.errors !== null) return false;
      return op(ev.toBoolean(a, where), ev.toBoolean(b, where));
    },
  };
}

function integers<T extends boolean | number>(
  left: Compiled, right: Compiled, ev: Evaluation, where: string,
  type: 'Boolean' | 'Integer', op: (a: number, b: number) => T,
): Compiled {
  const l = left.run;
  const r = right.run;
  const zero = type === 'Integer' ? 0 : false;
  return {
    type,
    run: (event) => {
      const a = l(event);
      if (ev.errors !== null) return zero;
      const b = r(event);
      if (ev.errors !== null) return zero;
      return op(ev.toInteger(a, where), ev.toInteger(b, where));
    },
  };
}

// `=` is ambiguous (§3.7): it exists for Boolean, Integer and String, one definition per right
// operand type, so the left operand is cast to the type of the right one.
function equality(left: Compiled, right: Compiled, ev: Evaluation, where: string, equal: boolean): Compiled {
  const l = left.run;
  const r = right.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const a = l(event);
      if (ev.errors !== null) return false;
      const b = r(event);
      if (ev.errors !== null) return false;
      if (typeof a === typeof b) return (a === b) === equal;
      const cast = ev.cast(a, typeof b === 'string' ? 'String' : typeof b === 'number' ? 'Integer' : 'Boolean', where);
      return (cast === b) === equal;
    },
  };
}

/** Integers are 32-bit (§3.1). The spec defines overflow only for ABS (the nearest bound and a
 *  MathError); every other operator follows it rather than wrapping around silently. */
function checked(result: number, operator: string, ev: Evaluation, where: string): number {
  if (result >= INT32_MIN && result <= INT32_MAX) return result | 0; // | 0 also turns -0 into 0
  const bound = result > 0 ? INT32_MAX : INT32_MIN;
  ev.raise(cesqlError('math', `integer overflow in '${operator}' (${where}): the result is outside -2147483648..2147483647, so it is ${bound}`));
  return bound;
}

function divide(a: number, b: number, ev: Evaluation, where: string): number {
  if (b === 0) return divisionByZero(ev, where);
  return checked(Math.trunc(a / b), '/', ev, where); // rounded towards 0 (§3.4.2)
}

function remainder(a: number, b: number, ev: Evaluation, where: string): number {
  if (b === 0) return divisionByZero(ev, where);
  return (a % b) | 0; // JS % takes the sign of the dividend, as §3.4.2 requires
}

function divisionByZero(ev: Evaluation, where: string): number {
  ev.raise(cesqlError('math', `division by zero (${where}); the result is 0`));
  return 0;
}
