import { describe, expect, it } from 'vitest';
import { InvalidFilterError } from '../../src/errors.js';
import { compileRegex, compileWildcard } from '../../src/filters/regex.js';

const refusal = (pattern: string): InvalidFilterError => {
  try {
    compileRegex(pattern, false);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidFilterError);
    return e as InvalidFilterError;
  }
  throw new Error(`expected ${pattern} to be refused`);
};

describe('regexes and wildcards (RE2: linear time, no backtracking)', () => {
  it('runs classic catastrophic patterns on long hostile input in linear time', () => {
    const hostile = `${'a'.repeat(100_000)}!`;
    for (const pattern of ['(a+)+$', '(a|aa)+$', '(a*)*b', '^(a|a?)+$', '(.*a){20}b']) {
      const re = compileRegex(pattern, false);
      const started = performance.now();
      expect(re.test(hostile)).toBe(false);
      // A backtracking engine takes longer than the age of the universe here.
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it('refuses lookaround and backreferences at load, with their position and why', () => {
    expect(refusal('^prod-(?=web)')).toMatchObject({ key: 'regex', position: 6 });
    expect(refusal('^prod-(?=web)').message).toContain('no lookahead, lookbehind or backreferences');
    expect(refusal('x(?!y)')).toMatchObject({ position: 1 });
    expect(refusal('(?<=a)b')).toMatchObject({ position: 0 });
    expect(refusal('(a)\\1')).toMatchObject({ position: 3 });
  });

  it('refuses plain syntax errors with their position', () => {
    expect(refusal('ab[c')).toMatchObject({ position: 2 });
    expect(refusal('ab[c').message).toContain('missing closing ]');
    expect(refusal('a**')).toMatchObject({ position: 1 });
  });

  it('is case-insensitive when asked, also beyond ASCII', () => {
    expect(compileRegex('^élan$', true).test('ÉLAN')).toBe(true);
    expect(compileRegex('^élan$', false).test('ÉLAN')).toBe(false);
  });

  it('treats every other wildcard character literally, and ? as one code point', () => {
    expect(compileWildcard('a+b(c)[d]', false).test('a+b(c)[d]')).toBe(true);
    expect(compileWildcard('vm-?', false).test('vm-😀')).toBe(true);
    expect(compileWildcard('a\\?', false).test('ab')).toBe(false);
    expect(compileWildcard('a\\\\', false).test('a\\')).toBe(true);
    expect(compileWildcard('***', false).test('')).toBe(true);
  });
});
