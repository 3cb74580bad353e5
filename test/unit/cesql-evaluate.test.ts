// What the TCK leaves open and this engine decides: precedence, 32-bit overflow, attribute
// types, Unicode, LIKE's worst case, IN, the casting functions, matches() and warnings.

import { describe, expect, it } from 'vitest';
import { compileCesql, type CesqlValue } from '../../src/filters/cesql/index.js';

const event = {
  specversion: '1.0',
  id: 'e-1',
  source: '/vc/prod',
  type: 'com.vmware.vsphere.VmPoweredOffEvent.v0',
  subject: 'VmPoweredOffEvent',
  sequence: 42,
  urgent: true,
  emoji: 'a😀b',
  data: { Vm: { Name: 'prod-db' } },
};

function evaluate(expression: string, on: Record<string, unknown> = event): { value: CesqlValue; kinds: string[] } {
  const { value, errors } = compileCesql(expression).evaluate(on);
  return { value, kinds: errors.map((e) => e.kind) };
}

const value = (expression: string, on?: Record<string, unknown>): CesqlValue => {
  const result = evaluate(expression, on);
  expect(result.kinds, expression).toEqual([]);
  return result.value;
};

describe('CESQL precedence (spec §3.6)', () => {
  it('gives AND, OR and XOR one precedence, grouped left to right, and warns about mixing them', () => {
    expect(value('TRUE OR FALSE AND FALSE')).toBe(false); // (TRUE OR FALSE) AND FALSE
    expect(value('TRUE OR (FALSE AND FALSE)')).toBe(true);
    expect(value('FALSE AND FALSE OR TRUE')).toBe(true);
    expect(compileCesql('TRUE OR FALSE AND FALSE').warnings.map((w) => w.message)).toEqual([
      'OR and AND have the same precedence in CESQL and group left to right, so this reads as (… OR …) AND …; add parentheses to say which you mean (column 15)',
    ]);
    expect(compileCesql('TRUE OR (FALSE AND FALSE)').warnings).toEqual([]);
    expect(compileCesql('TRUE AND FALSE AND TRUE').warnings).toEqual([]);
  });

  it('multiplies before adding and groups arithmetic left to right', () => {
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('10 - 2 - 3')).toBe(5);
    expect(value('16 / 4 / 2')).toBe(2);
    expect(value('5-3')).toBe(2);
    expect(value('5 -3')).toBe(2);
  });

  it('binds NOT tighter than comparisons, and warns that NOT a = b is (NOT a) = b', () => {
    expect(value('NOT TRUE = FALSE')).toBe(true);
    const compiled = compileCesql("NOT subject = 'x'");
    expect(compiled.warnings[0]?.message).toBe(
      'NOT binds tighter than =, so it applies to the left operand alone; write NOT (a = b) to negate the whole condition (column 1)',
    );
    expect(compileCesql("NOT (subject = 'x')").warnings).toEqual([]);
    expect(compileCesql("NOT subject LIKE 'x%'").warnings[0]?.message).toContain('x NOT LIKE pattern');
  });

  it('binds LIKE and IN tighter than binary operators', () => {
    expect(value("'x' LIKE 'x' = TRUE")).toBe(true);
    expect(value('2 + 3 IN (3)')).toBe(3); // 2 + (3 IN (3)): TRUE is 1
    expect(value("subject LIKE 'Vm%' AND type LIKE '%.v0'")).toBe(true);
  });
});

describe('CESQL integers are 32-bit', () => {
  it('divides rounding towards zero and takes the remainder with the sign of the dividend', () => {
    expect(value('-7 / 2')).toBe(-3);
    expect(value('7 / -2')).toBe(-3);
    expect(value('-7 % 2')).toBe(-1);
    expect(value('7 % -2')).toBe(1);
  });

  it('never yields -0', () => {
    expect(Object.is(value('0 * -1'), 0)).toBe(true);
    expect(Object.is(value('-0'), 0)).toBe(true);
    expect(Object.is(value('-1 / 2'), 0)).toBe(true);
    expect(Object.is(value('-4 % 2'), 0)).toBe(true);
    expect(Object.is(value("INT('-0')"), 0)).toBe(true);
  });

  it('raises a MathError on overflow and clamps to the bound, as the spec does for ABS', () => {
    expect(evaluate('2147483647 + 1')).toEqual({ value: 2147483647, kinds: ['math'] });
    expect(evaluate('-2147483648 - 1')).toEqual({ value: -2147483648, kinds: ['math'] });
    expect(evaluate('65536 * 65536')).toEqual({ value: 2147483647, kinds: ['math'] });
    expect(evaluate('-2147483648 / -1')).toEqual({ value: 2147483647, kinds: ['math'] });
    expect(evaluate('-(-2147483648)')).toEqual({ value: 2147483647, kinds: ['math'] });
    expect(value('-2147483648 % -1')).toBe(0);
    expect(value('2147483647 + -2147483648')).toBe(-1);
  });

  it('casts strings holding integers, with a sign and leading zeros, and refuses the rest', () => {
    expect(value("INT('+007')")).toBe(7);
    expect(evaluate("INT(' 5')")).toEqual({ value: 0, kinds: ['cast'] });
    expect(evaluate("INT('2147483648')")).toEqual({ value: 0, kinds: ['cast'] });
    expect(evaluate("INT('1.5')")).toEqual({ value: 0, kinds: ['cast'] });
    expect(evaluate("INT('')")).toEqual({ value: 0, kinds: ['cast'] });
  });
});

describe('CESQL attributes (spec §3.2)', () => {
  it('reads context attributes and extensions with their types, names case-insensitively', () => {
    expect(value('SUBJECT')).toBe('VmPoweredOffEvent');
    expect(value('sequence + 1')).toBe(43);
    expect(value('urgent AND TRUE')).toBe(true);
    expect(value("sequence = '42'")).toBe(true);
  });

  it('reads values that are not Boolean, 32-bit Integer or String as Strings', () => {
    const odd = { ...event, ratio: 1.5, big: 3_000_000_000, huge: 10n ** 20n, small: 7n, at: new Date('2024-05-01T10:00:00Z'), bytes: new Uint8Array([1, 2, 3]), list: ['a', 1] };
    expect(value('ratio', odd)).toBe('1.5');
    expect(value('big', odd)).toBe('3000000000');
    expect(value('huge', odd)).toBe('100000000000000000000');
    expect(value('small + 1', odd)).toBe(8);
    expect(value('at', odd)).toBe('2024-05-01T10:00:00.000Z');
    expect(value('bytes', odd)).toBe('AQID');
    expect(value('list', odd)).toBe('["a",1]');
  });

  it('treats null, and names only the prototype has, as missing', () => {
    expect(evaluate("nothing = 'x'", { ...event, nothing: null })).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(evaluate('constructor')).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(value('EXISTS constructor')).toBe(false);
    expect(value('EXISTS nothing', { ...event, nothing: null })).toBe(false);
  });

  it('does not reach into the payload, and warns where data is named', () => {
    expect(evaluate("data = 'x'")).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(value('EXISTS data')).toBe(false);
    expect(() => compileCesql('EXISTS data_base64')).toThrow("'data_base64' at column 8 is not an attribute name: it is the payload, which CESQL cannot read; use a data: filter");
    expect(compileCesql('EXISTS data').warnings[0]?.message).toContain('use a data: filter');
  });

  it('finds the required attributes always present (spec §3.4.4)', () => {
    expect(value('EXISTS id AND EXISTS source AND EXISTS type AND EXISTS specversion', {})).toBe(true);
  });

  it('names the attribute and its place in a missing-attribute error', () => {
    const { errors } = compileCesql("type = 'a' AND\n  vmname = 'db'").evaluate({ ...event, type: 'a' });
    expect(errors).toEqual([{ kind: 'missingAttribute', message: "the event has no attribute 'vmname' ('vmname' at line 2, column 3)" }]);
  });

  it('evaluates each operand at most once and stops at the first error, returning zero values above it', () => {
    expect(evaluate('LENGTH(missing) + 1')).toEqual({ value: 0, kinds: ['missingAttribute'] });
    expect(evaluate("CONCAT('a', missing)")).toEqual({ value: '', kinds: ['missingAttribute'] });
    expect(evaluate('NOT (missing = 1)')).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(evaluate('TRUE OR missing')).toEqual({ value: true, kinds: [] });
    expect(evaluate('FALSE OR missing')).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(evaluate('FALSE AND missing')).toEqual({ value: false, kinds: [] });
  });
});

describe('CESQL casts (spec §3.7)', () => {
  it('refuses an Integer where a Boolean is expected (TCK: NOT 10), but BOOL() converts it', () => {
    expect(evaluate('1 AND TRUE')).toEqual({ value: false, kinds: ['cast'] });
    expect(evaluate('10 OR TRUE')).toEqual({ value: true, kinds: ['cast'] });
    expect(evaluate('TRUE = 1')).toEqual({ value: true, kinds: [] }); // right is Integer: TRUE -> 1
    expect(evaluate('1 = TRUE')).toEqual({ value: false, kinds: ['cast'] });
    expect(value('BOOL(1) AND TRUE')).toBe(true);
    expect(value('IS_BOOL(0)')).toBe(true);
  });

  it('casts the left operand of = to the type of the right one', () => {
    expect(value("5 = '5'")).toBe(true); // String: '5' = '5'
    expect(value("'05' = 5")).toBe(true); // Integer: 5 = 5
    expect(value("5 = '05'")).toBe(false); // String: '5' <> '05'
    expect(value("'true' = TRUE")).toBe(true);
  });

  it('answers IS_INT and IS_BOOL as INT and BOOL would succeed', () => {
    expect(value("IS_INT('12') AND IS_INT(TRUE) AND NOT IS_INT('x')")).toBe(true);
    expect(value("IS_BOOL('False') AND IS_BOOL(3) AND NOT IS_BOOL('yes')")).toBe(true);
  });
});

describe('CESQL functions (spec §3.5)', () => {
  it('counts and cuts characters, not UTF-16 units', () => {
    expect(value('LENGTH(emoji)')).toBe(3);
    expect(value('LEFT(emoji, 2)')).toBe('a😀');
    expect(value('RIGHT(emoji, 2)')).toBe('😀b');
    expect(value('SUBSTRING(emoji, 2, 1)')).toBe('😀');
    expect(value('SUBSTRING(emoji, -1)')).toBe('b');
  });

  it('keeps SUBSTRING within the string and refuses a negative length', () => {
    expect(value("SUBSTRING('abcdef', 6)")).toBe('f');
    expect(value("SUBSTRING('abcdef', -6)")).toBe('abcdef');
    expect(value("SUBSTRING('abcdef', 3, 100)")).toBe('cdef');
    expect(value("SUBSTRING('abcdef', 3, 0)")).toBe('');
    expect(evaluate("SUBSTRING('abcdef', 2, -1)")).toEqual({ value: '', kinds: ['functionEvaluation'] });
    expect(evaluate("SUBSTRING('', 1)")).toEqual({ value: '', kinds: ['functionEvaluation'] });
  });

  it('trims Unicode White_Space only', () => {
    expect(value("TRIM('\u00a0\u0085\u3000 a b \t\n\u2029')")).toBe('a b');
    expect(value("TRIM('\ufeffa\u0001')")).toBe('\ufeffa\u0001');
  });

  it('casts arguments to the parameter types', () => {
    expect(value("CONCAT_WS('-', 1, TRUE, 'x')")).toBe('1-true-x');
    expect(value("LEFT(12345, '2')")).toBe('12');
    expect(value('UPPER(FALSE)')).toBe('FALSE');
    expect(evaluate("LEFT('abc', 'x')")).toEqual({ value: '', kinds: ['cast'] });
  });

  it('takes function names in any case', () => {
    expect(value("lower('ABC') = Lower('abc')")).toBe(true);
  });

  it('reports an unknown function or a wrong arity as a MissingFunctionError that lists what exists', () => {
    const unknown = compileCesql('FOO(1)').evaluate(event);
    expect(unknown.value).toBe(false);
    expect(unknown.errors).toEqual([{
      kind: 'missingFunction',
      message: 'unknown function FOO; the functions are ABS, BOOL, CONCAT, CONCAT_WS, INT, IS_BOOL, IS_INT, LEFT, LENGTH, LOWER, RIGHT, STRING, SUBSTRING, TRIM, UPPER (FOO at column 1)',
    }]);
    expect(compileCesql("SUBSTRING('a')").evaluate(event).errors[0]?.message).toBe(
      'SUBSTRING does not take 1 argument: it is SUBSTRING(x, pos) or SUBSTRING(x, pos, len) (SUBSTRING at column 1)',
    );
  });
});

describe('CESQL LIKE (spec §3.4.3)', () => {
  it('matches % and _ over characters, and \\% and \\_ literally', () => {
    expect(value("emoji LIKE 'a_b'")).toBe(true);
    expect(value("'abc' LIKE '%b%'")).toBe(true);
    expect(value("'a%c' LIKE 'a\\%c'")).toBe(true);
    expect(value("'abc' LIKE 'a\\%c'")).toBe(false);
    expect(value("'a\\c' LIKE 'a\\c'")).toBe(true); // a backslash before another character is itself
    expect(value("'aXbXc' LIKE '%X_X%'")).toBe(true);
    expect(value("'ab' LIKE 'a_%_'")).toBe(false);
    expect(value("'abc' LIKE 'a_%_'")).toBe(true);
    expect(value("'' LIKE '%'")).toBe(true);
  });

  it('stays linear-time on patterns that make regular expressions backtrack', () => {
    const started = performance.now();
    const text = 'a'.repeat(20_000);
    expect(value(`'${text}' LIKE '%a%a%a%a%a%a%a%a%a%b'`)).toBe(false);
    expect(value(`'${text}' LIKE '%a_a_a_a_a_a_a_a_b%'`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('CESQL IN (spec §3.4.5)', () => {
  it('casts the elements to the type of the left operand', () => {
    expect(value("sequence IN ('41', '42')")).toBe(true);
    expect(value("'042' IN (42)")).toBe(false); // String: '042' <> '42'
    expect(value("type NOT IN ('a', 'b')")).toBe(true);
  });

  it('compares in order and stops at the first equal element', () => {
    expect(value("type IN (type, missing)")).toBe(true);
    expect(evaluate("type IN ('x', missing)")).toEqual({ value: false, kinds: ['missingAttribute'] });
    expect(evaluate("1 IN ('a', 1)")).toEqual({ value: true, kinds: ['cast'] });
    expect(value("1 IN (1, 'a')")).toBe(true);
  });
});

describe('CESQL string literals (spec §2.2)', () => {
  it('escape only their own quote, and pair a backslash with the next character', () => {
    expect(value("'it\\'s'")).toBe("it's");
    expect(value('"say \\"hi\\""')).toBe('say "hi"');
    expect(value("'a\\\\'")).toBe('a\\\\');
    expect(value("'tab\\t'")).toBe('tab\\t');
  });
});

describe('CompiledCesql.matches (spec §1.2)', () => {
  const filter = compileCesql("type LIKE 'com.vmware.vsphere.%' AND subject <> 'x'");

  it('matches only on Boolean TRUE without errors', () => {
    expect(filter.matches(event)).toEqual({ matched: true, errors: [] });
    expect(filter.matches({ ...event, subject: 'x' })).toEqual({ matched: false, errors: [] });
    const truthyWithError = compileCesql("'abc' = 0").matches(event); // TRUE with a CastError
    expect(truthyWithError.matched).toBe(false);
    expect(truthyWithError.errors.map((e) => e.kind)).toEqual(['cast']);
  });

  it('refuses a non-Boolean result with a cast error that says why', () => {
    const result = compileCesql('subject').matches(event);
    expect(result).toEqual({
      matched: false,
      errors: [{ kind: 'cast', message: "a filter must evaluate to a Boolean, and this one gave String 'VmPoweredOffEvent'; compare it, e.g. x = 'value'" }],
    });
    expect(compileCesql('sequence').matches(event).errors[0]?.message).toContain('gave Integer 42');
    expect(compileCesql("'TRUE'").matches(event).matched).toBe(false);
  });

  it('starts every evaluation with no errors left from the one before', () => {
    const compiled = compileCesql("vm = 'db'");
    expect(compiled.matches(event).errors).toHaveLength(1);
    const first = compiled.evaluate(event).errors;
    expect(compiled.matches({ ...event, vm: 'db' })).toEqual({ matched: true, errors: [] });
    expect(first).toHaveLength(1);
  });

  it('never throws, even when reading the event does', () => {
    const hostile = Object.defineProperty({ ...event }, 'boom', { get: () => { throw new Error('getter failed'); } });
    expect(compileCesql("boom = 'x'").evaluate(hostile)).toEqual({
      value: false,
      errors: [{ kind: 'generic', message: 'reading the event failed: Error: getter failed' }],
    });
  });

  it('keeps its expression and warns when it can never match as a filter', () => {
    const compiled = compileCesql('sequence + 1');
    expect(compiled.expression).toBe('sequence + 1');
    expect(compiled.warnings).toEqual([{
      position: 0, line: 1, column: 1,
      message: 'the expression yields an Integer, so as a filter it never matches; compare it, e.g. ... > 0 (column 1)',
    }]);
    expect(filter.warnings).toEqual([]);
  });

  it('warns about attribute names longer than CloudEvents recommends', () => {
    expect(compileCesql("averyveryverylongattributename = 'x'").warnings[0]?.message).toContain('longer than the 20 characters');
  });
});
