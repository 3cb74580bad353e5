// Splits a CESQL expression into tokens (spec §2). Keywords and function names are
// case-insensitive; words are returned as written and the parser decides what they are.

import type { SourceText } from './errors.js';

export type TokenKind = 'integer' | 'string' | 'word' | 'operator' | '(' | ')' | ',' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (for a string, with its quotes). */
  readonly text: string;
  /** integer: its digits' value (unbounded, checked by the parser); string: its contents. */
  readonly value: string | number;
  readonly start: number;
  readonly end: number;
}

// Longest first, so '<=' is not read as '<' then '='.
const OPERATORS = ['!=', '<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%'] as const;

// Operators from other languages, with what CESQL spells instead.
const FOREIGN_OPERATORS: Readonly<Record<string, string>> = {
  '==': "'==' is not a CESQL operator; use '='",
  '&&': "'&&' is not a CESQL operator; use AND",
  '||': "'||' is not a CESQL operator; use OR (and CONCAT(a, b) to join strings)",
  '!': "'!' is not a CESQL operator; use NOT, or '!=' for not equal",
  '&': "'&' is not a CESQL operator; use AND",
  '|': "'|' is not a CESQL operator; use OR",
  '^': "'^' is not a CESQL operator; use XOR",
  '`': 'backquotes do not quote in CESQL; strings take single or double quotes',
  '[': "'[' is not CESQL: an attribute is read by its name, and the payload (data) is out of reach",
  '.': "'.' is not CESQL: attribute names are plain (lower-case letters and digits), and the payload (data) is out of reach",
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordChar = (c: number): boolean =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
// The spec's grammar skips space, tab, carriage return and newline between tokens.
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;

export function tokenize(source: SourceText): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === 39 || c === 34) {
      i = readString(source, start);
      tokens.push({ kind: 'string', text: text.slice(start, i), value: unquote(text, start, i), start, end: i });
    } else if (isWordChar(c)) {
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      const kind = /^[0-9]+$/.test(word) ? 'integer' : 'word';
      tokens.push({ kind, text: word, value: kind === 'integer' ? Number(word) : word, start, end: i });
    } else if (c === 40 || c === 41 || c === 44) {
      i++;
      const kind = c === 40 ? '(' : c === 41 ? ')' : ',';
      tokens.push({ kind, text: kind, value: kind, start, end: i });
    } else {
      const foreign = FOREIGN_OPERATORS[text.slice(i, i + 2)];
      if (foreign !== undefined) throw source.parseError(`${foreign} (${source.describe(start)})`, start);
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op === undefined) throw source.parseError(unexpectedCharacter(text, i, source), start);
      i += op.length;
      tokens.push({ kind: 'operator', text: op, value: op, start, end: i });
    }
  }
  tokens.push({ kind: 'end', text: '', value: '', start: text.length, end: text.length });
  return tokens;
}

/** Returns the offset after the closing quote. A backslash always pairs with the next
 *  character, so a string may hold its own quote as \' (or \") and end with \\. */
function readString(source: SourceText, start: number): number {
  const text = source.text;
  const quote = text.charCodeAt(start);
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  const q = String.fromCharCode(quote);
  throw source.parseError(
    `string starting at ${source.describe(start)} is not closed: add the closing ${q} (write ${q} inside it as \\${q})`,
    start,
  );
}

/** Spec §2.2: within '...' the only escape is \' and within "..." it is \"; any other
 *  backslash stays as written (so LIKE still sees \% and \_). */
function unquote(text: string, start: number, end: number): string {
  const quote = text[start]!;
  const body = text.slice(start + 1, end - 1);
  return body.includes('\\') ? body.split(`\\${quote}`).join(quote) : body;
}

function unexpectedCharacter(text: string, i: number, source: SourceText): string {
  const ch = String.fromCodePoint(text.codePointAt(i)!);
  const foreign = FOREIGN_OPERATORS[ch];
  if (foreign !== undefined) return `${foreign} (${source.describe(i)})`;
  const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  const shown = /\p{L}|\p{N}|\p{P}|\p{S}/u.test(ch) ? `'${ch}' (U+${code})` : `U+${code}`;
  return `unexpected character ${shown} at ${source.describe(i)}`;
}
