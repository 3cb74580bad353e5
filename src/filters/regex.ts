// Regular expressions and wildcards of data matchers, compiled once at load by RE2JS (a
// pure-JS port of RE2). RE2 matches in time linear in the input and never backtracks, so a
// pattern such as `(a+)+$` cannot stall the router on a hostile payload; in exchange it has
// no lookaround and no backreferences, and refuses them at load with their position.
// Syntax: https://github.com/google/re2/wiki/Syntax

import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import { InvalidFilterError } from '../errors.js';

export interface StringTest {
  test(value: string): boolean;
}

/** Unanchored, like JavaScript's RegExp.test: write `^…$` to match the whole value. */
export function compileRegex(pattern: string, caseInsensitive: boolean, key = 'regex'): StringTest {
  try {
    const re = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
    return { test: (value) => re.test(value) };
  } catch (err) {
    throw refusal(pattern, err, key);
  }
}

/**
 * `*` any run of characters (none, dots and slashes included), `?` exactly one character,
 * `\*` `\?` `\\` themselves; everything else literal. The whole value must match.
 */
export function compileWildcard(pattern: string, caseInsensitive: boolean): StringTest {
  let source = '(?s)^';
  let literal = '';
  const flush = () => {
    if (literal) source += RE2JS.quote(literal);
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '?' || pattern[i + 1] === '\\')) {
      literal += pattern[++i];
    } else if (c === '*' || c === '?') {
      flush();
      // Runs of stars are one star: the same language, a smaller automaton.
      if (c === '?') source += '.';
      else if (!source.endsWith('.*')) source += '.*';
    } else {
      literal += c;
    }
  }
  flush();
  try {
    return compileRegex(`${source}$`, caseInsensitive, 'wildcard');
  } catch (err) {
    // Every character was quoted, so this is RE2 refusing the input itself (say, a lone
    // surrogate); a position in the translated pattern would mislead.
    throw new InvalidFilterError(`wildcard ${JSON.stringify(pattern)} cannot be compiled: ${(err as Error).message}`, { key: 'wildcard' }, { cause: err });
  }
}

const unsupportedHint = 'RE2 has no lookahead, lookbehind or backreferences (that is what keeps matching linear): rewrite the pattern without them, or use several matchers under all/any/not';

function refusal(pattern: string, err: unknown, key: string): InvalidFilterError {
  if (!(err instanceof RE2JSSyntaxException)) {
    const why = err instanceof RE2JSException ? err.message : String(err);
    return new InvalidFilterError(`${key} ${JSON.stringify(pattern)} cannot be compiled: ${why}`, { key }, { cause: err });
  }
  const fragment = err.input ?? '';
  const found = fragment ? pattern.indexOf(fragment) : -1;
  const position = found >= 0 ? found : undefined;
  const lookaround = /^\(\?<?[=!]/u.test(fragment) || /^\\[1-9]/u.test(fragment);
  const what = err.error === 'invalid named capture' && lookaround ? 'unsupported Perl syntax' : err.error;
  const where = position === undefined ? '' : ` at position ${position}`;
  const hint = lookaround || /unsupported Perl syntax/u.test(what) ? `: ${unsupportedHint}` : '';
  return new InvalidFilterError(
    `${key} ${JSON.stringify(pattern)} is not RE2 syntax: ${what} ${JSON.stringify(fragment)}${where}${hint}`,
    { key, ...(position === undefined ? {} : { position }) },
    { cause: err },
  );
}
