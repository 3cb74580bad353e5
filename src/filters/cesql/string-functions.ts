// The built-in String functions (spec §3.5.1). "Character" means a Unicode code point: a
// String is a sequence of Unicode characters (§3.1), so an emoji counts once.

import type { FunctionFailure } from './functions.js';

const SURROGATE = /[\uD800-\uDFFF]/;
// TRIM removes Unicode White_Space only (not, say, U+FEFF or control characters).
const EDGE_WHITESPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

export function length(text: string): number {
  return SURROGATE.test(text) ? Array.from(text).length : text.length;
}

/** The characters [start, end) of the text; `end` undefined means to the end. */
function characters(text: string, start: number, end?: number): string {
  if (!SURROGATE.test(text)) return text.slice(start, end);
  return Array.from(text).slice(start, end).join('');
}

export function concat(parts: readonly string[]): string {
  return parts.join('');
}

export function lower(text: string): string {
  return text.toLowerCase();
}

export function upper(text: string): string {
  return text.toUpperCase();
}

export function trim(text: string): string {
  return text.replace(EDGE_WHITESPACE, '');
}

export function left(text: string, count: number, fail: FunctionFailure): string {
  if (count < 0) {
    fail('functionEvaluation', `LEFT's length must not be negative, got ${count}; the string is returned whole`);
    return text;
  }
  return characters(text, 0, count);
}

export function right(text: string, count: number, fail: FunctionFailure): string {
  if (count < 0) {
    fail('functionEvaluation', `RIGHT's length must not be negative, got ${count}; the string is returned whole`);
    return text;
  }
  const size = length(text);
  return count >= size ? text : characters(text, size - count);
}

/** Positions start at 1; a negative position counts from the end; position 0 gives ''. */
export function substring(text: string, position: number, count: number | undefined, fail: FunctionFailure): string {
  const size = length(text);
  if (position > size || position < -size) {
    fail('functionEvaluation', `SUBSTRING's position ${position} is outside the string, whose length is ${size}; the result is ''`);
    return '';
  }
  if (count !== undefined && count < 0) {
    fail('functionEvaluation', `SUBSTRING's length must not be negative, got ${count}; the result is ''`);
    return '';
  }
  if (position === 0) return '';
  const start = position > 0 ? position - 1 : size + position;
  return characters(text, start, count === undefined ? undefined : Math.min(size, start + count));
}
