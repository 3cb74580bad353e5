// LIKE (spec §3.4.3): `%` is any run of characters, `_` exactly one character, `\%` and `\_`
// the characters themselves; any other character (a lone backslash too) is itself, case
// sensitive. The pattern is compiled once into a matcher that runs in O(text × pattern) at
// worst, never backtracking exponentially as a regular expression could.

import type { Compiled, Evaluation } from './evaluation.js';

/** A piece of pattern between two `%`: characters (code points), null standing for `_`. */
type Segment = ReadonlyArray<string | null>;

const SURROGATE = /[\uD800-\uDFFF]/;

export function compileLike(operand: Compiled, pattern: string, negated: boolean, ev: Evaluation): Compiled {
  const matches = compileLikePattern(pattern);
  const run = operand.run;
  return {
    type: 'Boolean',
    run: (event) => {
      const value = run(event);
      if (ev.errors !== null) return false;
      // The operand is cast to String, which never fails (§3.7).
      return matches(typeof value === 'string' ? value : String(value)) !== negated;
    },
  };
}

export function compileLikePattern(pattern: string): (text: string) => boolean {
  const segments = splitPattern(pattern);
  if (segments.some((segment) => segment.includes(null))) return wildcardMatcher(segments);
  return literalMatcher(segments.map((segment) => segment.join('')));
}

function splitPattern(pattern: string): Segment[] {
  const chars = Array.from(pattern);
  const segments: Array<Array<string | null>> = [[]];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const current = segments[segments.length - 1]!;
    if (c === '\\' && (chars[i + 1] === '%' || chars[i + 1] === '_')) current.push(chars[++i]!);
    else if (c === '%') segments.push([]);
    else current.push(c === '_' ? null : c);
  }
  return segments;
}

/** No `_`: prefix, suffix and the pieces between, found leftmost with indexOf. */
function literalMatcher(pieces: string[]): (text: string) => boolean {
  const first = pieces[0]!;
  if (pieces.length === 1) return (text) => text === first;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((piece) => piece !== '');
  const minimum = pieces.reduce((sum, piece) => sum + piece.length, 0);
  if (middle.length === 0) {
    return (text) => text.length >= minimum && text.startsWith(first) && text.endsWith(last);
  }
  return (text) => {
    if (text.length < minimum || !text.startsWith(first) || !text.endsWith(last)) return false;
    let from = first.length;
    const end = text.length - last.length;
    for (const piece of middle) {
      const at = text.indexOf(piece, from);
      if (at === -1 || at + piece.length > end) return false;
      from = at + piece.length;
    }
    return true;
  };
}

/** With `_`: the same plan over code points, so `_` is one character even outside the BMP. */
function wildcardMatcher(segments: Segment[]): (text: string) => boolean {
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  const minimum = segments.reduce((sum, segment) => sum + segment.length, 0);
  const single = segments.length === 1;
  return (text) => {
    const chars: ArrayLike<string> = SURROGATE.test(text) ? Array.from(text) : text;
    if (single) return chars.length === first.length && matchesAt(chars, 0, first);
    if (chars.length < minimum || !matchesAt(chars, 0, first)) return false;
    const end = chars.length - last.length;
    if (!matchesAt(chars, end, last)) return false;
    let from = first.length;
    for (const segment of middle) {
      const at = find(chars, segment, from, end);
      if (at === -1) return false;
      from = at + segment.length;
    }
    return true;
  };
}

function matchesAt(chars: ArrayLike<string>, at: number, segment: Segment): boolean {
  for (let j = 0; j < segment.length; j++) {
    const want = segment[j];
    if (want !== null && chars[at + j] !== want) return false;
  }
  return true;
}

/** Leftmost start in [from, end - length] where the segment matches, or -1. */
function find(chars: ArrayLike<string>, segment: Segment, from: number, end: number): number {
  for (let at = from; at + segment.length <= end; at++) if (matchesAt(chars, at, segment)) return at;
  return -1;
}
