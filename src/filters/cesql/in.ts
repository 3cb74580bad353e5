// x IN (y1, y2, ...) (spec §3.4.5): TRUE when x equals an element, with the elements cast to
// the type of x (§3.7's special rule for IN). Elements are compared in order and the first
// equal one decides, as `x = y1 OR x = y2 ...` would.

import type { Compiled, Evaluation } from './evaluation.js';
import { castImplicit, newCastOutcome, typeOf, type CesqlType, type CesqlValue } from './types.js';

export function compileIn(operand: Compiled, set: readonly Compiled[], negated: boolean, ev: Evaluation, where: string): Compiled {
  const general = generalIn(operand, set, negated, ev, where);
  if (!set.every((element) => element.constant !== undefined)) return general;
  // All literals (the usual `type IN ('a', 'b')`): index them once per type x may have.
  const values = set.map((element) => element.constant!);
  const indexes = {
    String: index(values, 'String'),
    Integer: index(values, 'Integer'),
    Boolean: index(values, 'Boolean'),
  };
  const run = operand.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const x = run(event);
      if (ev.errors !== null) return false;
      const found = indexes[typeOf(x)];
      // Without an index some element does not cast to x's type: the general path raises that error.
      return found === undefined ? general.run(event) : found.has(x) !== negated;
    },
  };
}

/** The elements cast to one type, or undefined when one of them cannot be. */
function index(values: CesqlValue[], target: CesqlType): ReadonlySet<CesqlValue> | undefined {
  const out = newCastOutcome();
  const cast = values.map((value) => castImplicit(value, target, out).failure === undefined ? out.value : undefined);
  return cast.includes(undefined) ? undefined : new Set(cast as CesqlValue[]);
}

function generalIn(operand: Compiled, set: readonly Compiled[], negated: boolean, ev: Evaluation, where: string): Compiled {
  const run = operand.run;
  const elements = set.map((element) => element.run);
  return {
    type: 'Boolean',
    run: (event) => {
      const x = run(event);
      if (ev.errors !== null) return false;
      const target = typeOf(x);
      let own = 0; // cast errors raised here, as opposed to by an element's own evaluation
      for (const element of elements) {
        const y = element(event);
        if (ev.count() > own) return false;
        const cast = typeof y === typeof x ? y : ev.cast(y, target, where);
        own = ev.count();
        if (cast === x) return !negated;
      }
      return negated;
    },
  };
}
