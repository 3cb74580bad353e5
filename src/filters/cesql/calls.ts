// Function invocations (spec §2.4, §3.5): dispatched once at compile time on name and arity;
// the arguments are evaluated left to right, then cast to the parameter types (§3.7).

import { cesqlError } from './errors.js';
import type { Compiled, Evaluation } from './evaluation.js';
import { resolveFunction, type FunctionFailure } from './functions.js';
import { zeroOf, type CesqlValue, type ParameterType } from './types.js';

export function compileCall(name: string, args: readonly Compiled[], ev: Evaluation, where: string): Compiled {
  const definition = resolveFunction(name, args.length);
  if (typeof definition === 'string') {
    // §3.5: a call that cannot be dispatched is FALSE with a MissingFunctionError. It is not
    // a parse error: the TCK expects the error from evaluation (CONCAT_WS()).
    const error = cesqlError('missingFunction', `${definition} (${where})`);
    return { type: 'Boolean', run: () => (ev.raise(error), false) };
  }
  const runs = args.map((arg) => arg.run);
  const parameters: ParameterType[] = args.map((_, i) => definition.parameters[i] ?? definition.variadic!);
  const argumentWhere = args.map((_, i) => `argument ${i + 1} of ${where}`);
  const zero = zeroOf(definition.returns);
  const fail: FunctionFailure = (kind, message) => ev.raise(cesqlError(kind, `${message} (${where})`));
  // Reused on every call: evaluation never re-enters the same call site.
  const values: CesqlValue[] = new Array<CesqlValue>(args.length).fill(false);
  const body = definition.body;
  return {
    type: definition.returns,
    run: (event) => {
      for (let i = 0; i < runs.length; i++) {
        values[i] = runs[i]!(event);
        if (ev.errors !== null) return zero;
      }
      for (let i = 0; i < values.length; i++) {
        const parameter = parameters[i]!;
        if (parameter !== 'Any') values[i] = ev.cast(values[i]!, parameter, argumentWhere[i]!);
      }
      return body(values, fail);
    },
  };
}
