// How data matchers compare values. JSON types are kept apart: the number 5 equals 5 (and
// 5.0) but not the string "5", and `true` is not "true" — the payload's own types decide,
// never a guess. Times are RFC 3339 strings compared as instants, to any fraction of a second.

import { isRfc3339Timestamp } from '../events/attribute-types.js';
import type { DataScalar } from './types.js';

/** Strict JSON equality of a payload value with a scalar; strings optionally case-folded. */
export function scalarEquals(value: unknown, expected: DataScalar, caseInsensitive: boolean): boolean {
  if (caseInsensitive && typeof value === 'string' && typeof expected === 'string') return fold(value) === fold(expected);
  return value === expected;
}

/** Case-insensitive comparison folds both sides the same locale-independent way. */
export function fold(text: string): string {
  return text.toLowerCase();
}

/** An instant: whole seconds since the epoch and the fraction's digits (as written, no trailing zeros). */
export interface Instant {
  readonly seconds: number;
  readonly fraction: string;
}

const timestamp = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/u;

/** The instant an RFC 3339 date-time names, or undefined when `text` is not one. */
export function parseInstant(text: string): Instant | undefined {
  if (!isRfc3339Timestamp(text)) return undefined;
  const m = timestamp.exec(text)!;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  // Date.UTC takes the calendar fields as they are (a leap second 60 rolls into the next minute).
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - offset * 60;
  return { seconds, fraction: (m[7] ?? '').replace(/0+$/u, '') };
}

/** <0, 0 or >0 as `a` is before, at or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds - b.seconds;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(width, '0');
  const fb = b.fraction.padEnd(width, '0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** A value as `subscriptions test` shows it: JSON, cut short, with its type when that matters. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value === 'string' ? 'a string' : typeof value;
}
