// The `data:` dialect: one operator applied to the payload value at a path.
//
//   - data: { path: Vm.Name, prefix: "prod-" }
//
// A path that does not exist never matches, except under `exists: false`; nor does an event
// whose data is not a JSON object or array (a string, binary data_base64, no data). Types
// are never converted (data-values.ts): string operators see only strings, number
// comparisons only numbers, and time comparisons only RFC 3339 strings.

import { InvalidFilterError } from '../errors.js';
import type { CompiledLeaf, IndexField, Requirement } from './compiled.js';
import { formatDataPath, lookUp, parseDataPath, valueAtPath, type Segments } from './data-path.js';
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
  const requirement = caseInsensitive ? undefined : indexable(operator, matcher[operator]);
  return {
    ...(requirement ? { requires: [{ field: dataField(segments), ...requirement }] } : {}),
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

const dataFields = new Map<string, IndexField>();

/** The index's view of a payload path: its value when it is a string (what these operators match). */
function dataField(segments: Segments): IndexField {
  const key = `data:${JSON.stringify(segments)}`;
  let field = dataFields.get(key);
  if (!field) {
    field = { key, read: (event) => { const value = valueAtPath(event, segments); return typeof value === 'string' ? value : undefined; } };
    dataFields.set(key, field);
  }
  return field;
}

/**
 * What a case-sensitive string operator tells the index: `equals` and `in` of strings an
 * exact value, `prefix`/`suffix` an affix, a wildcard with one star at an end an affix
 * (without stars, a value). Each matches strings only, so a match implies the requirement.
 */
function indexable(operator: DataOperator, expected: unknown): Omit<Requirement, 'field'> | undefined {
  if (operator === 'equals' && typeof expected === 'string') return { kind: 'exact', values: [expected] };
  if (operator === 'in' && Array.isArray(expected) && expected.length > 0 && expected.every((v) => typeof v === 'string')) return { kind: 'exact', values: expected as string[] };
  if ((operator === 'prefix' || operator === 'suffix') && typeof expected === 'string' && expected !== '') return { kind: operator, values: [expected] };
  if (operator === 'wildcard' && typeof expected === 'string') return wildcardAffix(expected);
  return undefined;
}

function wildcardAffix(pattern: string): Omit<Requirement, 'field'> | undefined {
  const pieces: string[] = [];
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '?' || pattern[i + 1] === '\\')) text += pattern[++i];
    else if (c === '?') return undefined;
    else if (c === '*') {
      if (text) pieces.push(text);
      text = '';
      if (pieces.at(-1) !== '*') pieces.push('*');
    } else text += c;
  }
  if (text) pieces.push(text);
  if (pieces.length === 1 && pieces[0] !== '*') return { kind: 'exact', values: [pieces[0]!] };
  if (pieces.length === 2 && pieces[1] === '*' && pieces[0] !== '*') return { kind: 'prefix', values: [pieces[0]!] };
  if (pieces.length === 2 && pieces[0] === '*' && pieces[1] !== '*') return { kind: 'suffix', values: [pieces[1]!] };
  return undefined;
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
