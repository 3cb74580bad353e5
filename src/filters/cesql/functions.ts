// The built-in functions (spec §3.5): the String functions, ABS, and the casting functions
// INT, BOOL, STRING, IS_INT and IS_BOOL (used by §2 and §3.7 and exercised by the TCK). A name
// may have one definition per arity and at most one variadic one (§3.5), so a call is
// dispatched on its name and argument count alone.

import type { CesqlErrorKind } from './errors.js';
import * as text from './string-functions.js';
import {
  castExplicit, INT32_MAX, INT32_MIN, newCastOutcome,
  type CesqlType, type CesqlValue, type ParameterType,
} from './types.js';

/** Records an error of the call being evaluated; the function still returns a value (§3.5.3). */
export type FunctionFailure = (kind: CesqlErrorKind, message: string) => void;

export interface FunctionDefinition {
  /** As an operator reads it in a message: LEFT(x, y). */
  readonly signature: string;
  readonly parameters: readonly ParameterType[];
  /** Type of the arguments after the fixed ones, when the function takes any number. */
  readonly variadic?: CesqlType;
  readonly returns: CesqlType;
  /** Arguments already cast to the parameter types. */
  readonly body: (args: readonly CesqlValue[], fail: FunctionFailure) => CesqlValue;
}

const str = (args: readonly CesqlValue[], i: number): string => args[i] as string;
const int = (args: readonly CesqlValue[], i: number): number => args[i] as number;

function cast(target: CesqlType): FunctionDefinition['body'] {
  const out = newCastOutcome();
  return (args, fail) => {
    castExplicit(args[0]!, target, out);
    if (out.failure !== undefined) fail('cast', out.failure);
    return out.value;
  };
}

function canCast(target: CesqlType): FunctionDefinition['body'] {
  const out = newCastOutcome();
  return (args) => castExplicit(args[0]!, target, out).failure === undefined;
}

const definitions: Readonly<Record<string, readonly FunctionDefinition[]>> = {
  ABS: [{
    signature: 'ABS(x)', parameters: ['Integer'], returns: 'Integer',
    body: (args, fail) => {
      const x = int(args, 0);
      if (x !== INT32_MIN) return Math.abs(x);
      fail('math', 'ABS(-2147483648) is outside the 32-bit range; the result is 2147483647');
      return INT32_MAX;
    },
  }],
  LENGTH: [{ signature: 'LENGTH(x)', parameters: ['String'], returns: 'Integer', body: (args) => text.length(str(args, 0)) }],
  CONCAT: [{
    signature: 'CONCAT(x1, x2, ...)', parameters: [], variadic: 'String', returns: 'String',
    body: (args) => text.concat(args as readonly string[]),
  }],
  CONCAT_WS: [{
    signature: 'CONCAT_WS(delimiter, x1, x2, ...)', parameters: ['String'], variadic: 'String', returns: 'String',
    body: (args) => (args.slice(1) as string[]).join(str(args, 0)),
  }],
  LOWER: [{ signature: 'LOWER(x)', parameters: ['String'], returns: 'String', body: (args) => text.lower(str(args, 0)) }],
  UPPER: [{ signature: 'UPPER(x)', parameters: ['String'], returns: 'String', body: (args) => text.upper(str(args, 0)) }],
  TRIM: [{ signature: 'TRIM(x)', parameters: ['String'], returns: 'String', body: (args) => text.trim(str(args, 0)) }],
  LEFT: [{
    signature: 'LEFT(x, y)', parameters: ['String', 'Integer'], returns: 'String',
    body: (args, fail) => text.left(str(args, 0), int(args, 1), fail),
  }],
  RIGHT: [{
    signature: 'RIGHT(x, y)', parameters: ['String', 'Integer'], returns: 'String',
    body: (args, fail) => text.right(str(args, 0), int(args, 1), fail),
  }],
  SUBSTRING: [
    {
      signature: 'SUBSTRING(x, pos)', parameters: ['String', 'Integer'], returns: 'String',
      body: (args, fail) => text.substring(str(args, 0), int(args, 1), undefined, fail),
    },
    {
      signature: 'SUBSTRING(x, pos, len)', parameters: ['String', 'Integer', 'Integer'], returns: 'String',
      body: (args, fail) => text.substring(str(args, 0), int(args, 1), int(args, 2), fail),
    },
  ],
  INT: [{ signature: 'INT(x)', parameters: ['Any'], returns: 'Integer', body: cast('Integer') }],
  BOOL: [{ signature: 'BOOL(x)', parameters: ['Any'], returns: 'Boolean', body: cast('Boolean') }],
  STRING: [{ signature: 'STRING(x)', parameters: ['Any'], returns: 'String', body: cast('String') }],
  IS_INT: [{ signature: 'IS_INT(x)', parameters: ['Any'], returns: 'Boolean', body: canCast('Integer') }],
  IS_BOOL: [{ signature: 'IS_BOOL(x)', parameters: ['Any'], returns: 'Boolean', body: canCast('Boolean') }],
};

export const builtinFunctions = definitions;

export const functionNames: readonly string[] = Object.keys(definitions).sort();

/** The definition a call dispatches to, or a sentence saying why there is none. */
export function resolveFunction(name: string, arity: number): FunctionDefinition | string {
  const overloads = Object.hasOwn(definitions, name) ? definitions[name]! : undefined;
  if (overloads === undefined) return `unknown function ${name}; the functions are ${functionNames.join(', ')}`;
  const fixed = overloads.find((d) => d.variadic === undefined && d.parameters.length === arity);
  const variadic = overloads.find((d) => d.variadic !== undefined && d.parameters.length <= arity);
  const found = fixed ?? variadic;
  if (found !== undefined) return found;
  const forms = overloads.map((d) => d.signature).join(' or ');
  return `${name} does not take ${arity} argument${arity === 1 ? '' : 's'}: it is ${forms}`;
}
