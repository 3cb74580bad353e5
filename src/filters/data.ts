// The `data:` dialect: one operator applied to the payload value at a path.
//
//   - data: { path: Vm.Name, prefix: "prod-" }
//
// A path that does not exist never matches, except under `exists: false`; nor does an event
// whose data is not a JSON object or array (a string, binary data_base64, no data). Types
// are never converted (data-values.ts): string operators see only strings, number
// comparisons only numbers, and time comparisons only RFC 3339 strings.

import { InvalidFilterError } from '../errors.js';
import type { CompiledLeaf } from './compiled.js';
import { formatDataPath, lookUp, parseDataPath, valueAtPath } from './data-path.js';
import { compareInstants, fold, jsonType, parseInstant, scalarEquals, showValue, type Instant } from './data-values.js';
import { compileRegex, compileWildcard } from './regex.js';
import { caseInsensitiveOperators, dataOperators, type DataMatcher, type DataOperator, type DataScalar } from './types.js';

/** One operator with its expected value, ready to test a value that exists. */
interface Operation {
  test(value: unknown): boolean;
  /** Why `test` gave `matched` for `value`: "value "x" does not start with "prod-"". */
  describe(value: unknown, matched: boolean): string;
}

type OperationFactory = (expected: never, caseInsensitive: boolean) => Operation;

/** The operator a matcher uses; refuses none or several (the schema does too). */
export function operatorOf(matcher: DataMatcher): DataOperator {
  const used = dataOperators.filter((op) => matcher[op] !== undefined);
  if (used.length !== 1) {
    throw new InvalidFilterError(
      `a data matcher takes a path and exactly one operator (${dataOperators.join(', ')}); this one has ${used.length === 0 ? 'none' : used.join(' and ')}: combine several matchers with all:`,
    );
  }
  return used[0]!;
}

export function compileDataMatcher(matcher: DataMatcher): CompiledLeaf {
  const operator = operatorOf(matcher);
  const caseInsensitive = matcher.caseInsensitive === true;
  if (caseInsensitive && !caseInsensitiveOperators.has(operator)) {
    throw new InvalidFilterError(`caseInsensitive does not apply to ${operator}: it applies to ${[...caseInsensitiveOperators].join(', ')}; remove it`, { key: 'caseInsensitive' });
  }
  const segments = parseDataPath(matcher.path);
  if (segments.length === 0) throw new InvalidFilterError('path is an empty list: name at least one key', { key: 'path' });
  const path = formatDataPath(segments);

  if (operator === 'exists') {
    const wanted = matcher.exists === true;
    return {
      matches: (event) => (valueAtPath(event, segments) !== undefined) === wanted,
      reason(event) {
        const found = lookUp(event, segments);
        return { text: found.found ? `data.${path} exists (${showValue(found.value)})` : `data.${path} does not exist: ${found.why}` };
      },
    };
  }
  const operation = (operations[operator] as OperationFactory)(matcher[operator] as never, caseInsensitive);
  return {
    matches(event) {
      const value = valueAtPath(event, segments);
      return value !== undefined && operation.test(value);
    },
    reason(event, matched) {
      const found = lookUp(event, segments);
      return { text: found.found ? operation.describe(found.value, matched) : `data.${path} does not exist: ${found.why}` };
    },
  };
}

const ignoringCase = (caseInsensitive: boolean) => (caseInsensitive ? ' (ignoring case)' : '');

function equality(expected: DataScalar, caseInsensitive: boolean, negated: boolean): Operation {
  const equal = (value: unknown) => scalarEquals(value, expected, caseInsensitive);
  return {
    test: negated ? (value) => !equal(value) : equal,
    describe(value) {
      const same = equal(value);
      const relation = same ? 'equals' : 'does not equal';
      const types = !same && jsonType(value) !== jsonType(expected) ? ` (${jsonType(value)}; the filter's value is ${jsonType(expected)}, and types are never converted)` : '';
      return `value ${showValue(value)} ${relation} ${showValue(expected)}${ignoringCase(caseInsensitive)}${types}`;
    },
  };
}

/** prefix and suffix: a relation between strings, case-folded when asked. */
function stringRelation(name: string, [yes, no]: readonly [string, string], relation: (value: string, expected: string) => boolean) {
  return (expected: string, caseInsensitive: boolean): Operation => {
    const want = caseInsensitive ? fold(expected) : expected;
    const test = (value: unknown) => typeof value === 'string' && relation(caseInsensitive ? fold(value) : value, want);
    return {
      test,
      describe(value, matched) {
        if (typeof value !== 'string') return `value ${showValue(value)} is ${jsonType(value)}; ${name} compares strings`;
        return `value ${showValue(value)} ${matched ? yes : no} ${showValue(expected)}${ignoringCase(caseInsensitive)}`;
      },
    };
  };
}

const prefix = stringRelation('prefix', ['starts with', 'does not start with'], (v, e) => v.startsWith(e));
const suffix = stringRelation('suffix', ['ends with', 'does not end with'], (v, e) => v.endsWith(e));

/** On a string: a substring (the expected value a string); on an array: one of its items equals it. */
function contains(expected: DataScalar, caseInsensitive: boolean): Operation {
  const want = typeof expected === 'string' && caseInsensitive ? fold(expected) : expected;
  const test = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some((item) => scalarEquals(item, expected, caseInsensitive));
    return typeof value === 'string' && typeof want === 'string' && (caseInsensitive ? fold(value) : value).includes(want);
  };
  return {
    test,
    describe(value, matched) {
      const how = `${matched ? 'contains' : 'does not contain'} ${showValue(expected)}${ignoringCase(caseInsensitive)}`;
      if (Array.isArray(value)) return `array ${showValue(value)} ${how}`;
      if (typeof value === 'string' && typeof expected !== 'string') return `value ${showValue(value)} is a string; contains ${showValue(expected)} looks for an equal item in an array`;
      if (typeof value !== 'string') return `value ${showValue(value)} is ${jsonType(value)}; contains looks in strings and arrays`;
      return `value ${showValue(value)} ${how}`;
    },
  };
}

function pattern(name: 'regex' | 'wildcard') {
  return (expected: string, caseInsensitive: boolean): Operation => {
    const compiled = name === 'regex' ? compileRegex(expected, caseInsensitive) : compileWildcard(expected, caseInsensitive);
    return {
      test: (value) => typeof value === 'string' && compiled.test(value),
      describe(value, matched) {
        if (typeof value !== 'string') return `value ${showValue(value)} is ${jsonType(value)}; ${name} matches strings`;
        return `value ${showValue(value)} ${matched ? 'matches' : 'does not match'} ${name} ${showValue(expected)}${ignoringCase(caseInsensitive)}`;
      },
    };
  };
}

function oneOf(expected: readonly DataScalar[], caseInsensitive: boolean): Operation {
  const test = (value: unknown) => expected.some((e) => scalarEquals(value, e, caseInsensitive));
  return {
    test,
    describe: (value, matched) => `value ${showValue(value)} is ${matched ? '' : 'not '}one of ${showValue(expected)}${ignoringCase(caseInsensitive)}`,
  };
}

const orderWords: Record<'gt' | 'gte' | 'lt' | 'lte', readonly [number: string, time: string, holds: (c: number) => boolean]> = {
  gt: ['greater than', 'after', (c) => c > 0],
  gte: ['at least', 'at or after', (c) => c >= 0],
  lt: ['less than', 'before', (c) => c < 0],
  lte: ['at most', 'at or before', (c) => c <= 0],
};

/** gt, gte, lt, lte: numbers with numbers, RFC 3339 times with times (as instants). */
function order(op: 'gt' | 'gte' | 'lt' | 'lte') {
  const [numberWord, timeWord, holds] = orderWords[op];
  return (expected: number | string): Operation => {
    if (typeof expected === 'number') {
      return {
        test: (value) => typeof value === 'number' && holds(value - expected),
        describe(value, matched) {
          if (typeof value !== 'number') return `value ${showValue(value)} is ${jsonType(value)}; ${op} ${expected} compares numbers`;
          return `value ${value} is ${matched ? '' : 'not '}${numberWord} ${expected}`;
        },
      };
    }
    const bound: Instant | undefined = parseInstant(expected);
    if (!bound) {
      throw new InvalidFilterError(`${op} compares numbers or RFC 3339 times (e.g. 2024-05-01T00:00:00Z); ${JSON.stringify(expected)} is neither`, { key: op });
    }
    const instantOf = (value: unknown) => (typeof value === 'string' ? parseInstant(value) : undefined);
    return {
      test(value) {
        const instant = instantOf(value);
        return instant !== undefined && holds(compareInstants(instant, bound));
      },
      describe(value, matched) {
        if (!instantOf(value)) return `value ${showValue(value)} is not an RFC 3339 time; ${op} ${showValue(expected)} compares times`;
        return `time ${showValue(value)} is ${matched ? '' : 'not '}${timeWord} ${showValue(expected)}`;
      },
    };
  };
}

const operations: Record<Exclude<DataOperator, 'exists'>, OperationFactory> = {
  equals: (expected: DataScalar, ci: boolean) => equality(expected, ci, false),
  notEquals: (expected: DataScalar, ci: boolean) => equality(expected, ci, true),
  prefix,
  suffix,
  contains,
  regex: pattern('regex'),
  wildcard: pattern('wildcard'),
  in: oneOf,
  gt: order('gt'),
  gte: order('gte'),
  lt: order('lt'),
  lte: order('lte'),
};
