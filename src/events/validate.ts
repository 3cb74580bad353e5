// Strict CloudEvents 1.0 validation of a candidate in the JSON event format
// (specs/cloudevents/spec.md, json-format.md). Every MUST is an error; SHOULDs (names of
// at most 20 characters, starting with a letter; an absolute `source`) are not. All
// problems are collected so the sender learns everything wrong in one round trip.

import { InvalidEventError } from '../errors.js';
import { type CloudEventRecord, coreAttributeNames, dataMemberNames } from './cloudevent.js';
import {
  integerMax, integerMin, isAbsoluteUri, isBase64, isCeInteger, isRfc3339Timestamp, isUriReference, stringProblem,
} from './attribute-types.js';
import { declaresJson, parseMediaType } from './media-type.js';

/** Problem text for a string value that is present, or undefined when it is fine. */
type StringCheck = (value: string) => string | undefined;

const nonEmptyString: StringCheck = (v) => (v === '' ? 'must not be empty' : stringProblem(v));

// Core attributes in the order a record lists them (spec.md "REQUIRED/OPTIONAL Attributes").
const coreAttributes: ReadonlyArray<readonly [name: string, required: boolean, check: StringCheck]> = [
  ['specversion', true, (v) => (v === '1.0' ? undefined : `${quote(v)} is not supported; only CloudEvents "1.0" is`)],
  ['id', true, nonEmptyString],
  ['source', true, (v) => nonEmptyString(v) ?? (isUriReference(v) ? undefined : `${quote(v)} is not a URI-reference (RFC 3986 section 4.1)`)],
  ['type', true, nonEmptyString],
  ['subject', false, nonEmptyString],
  ['time', false, (v) => (isRfc3339Timestamp(v) ? undefined : `${quote(v)} is not an RFC 3339 timestamp`)],
  ['datacontenttype', false, (v) => (parseMediaType(v) ? undefined : `${quote(v)} is not an RFC 2046 media type (e.g. application/json)`)],
  ['dataschema', false, (v) => (isAbsoluteUri(v) ? undefined : `${quote(v)} is not an absolute URI (RFC 3986 section 4.3)`)],
];

// spec.md "Naming Conventions": MUST be [a-z0-9], at least one character.
const attributeNamePattern = /^[a-z0-9]+$/;

/**
 * RFC 8259 section 9 lets a parser limit nesting. V8's JSON.stringify overflows the stack a
 * little above 4,000 levels, so deeper data would fail at publish time with a 500 instead
 * of being refused here with a reason.
 */
export const maxDataDepth = 1000;

// Records this module built and froze. Frozen means nothing can change them afterwards, so
// membership is proof of validity and a second validation (the intake's) costs a lookup.
const validated = new WeakSet<object>();

/** True when `value` was returned by validateCloudEvent (and so is valid and frozen). */
export function isValidatedCloudEvent(value: unknown): value is CloudEventRecord {
  return typeof value === 'object' && value !== null && validated.has(value);
}

/**
 * Checks `candidate` against every MUST of the spec and the JSON format, and returns a new,
 * deep-frozen record in the JSON format shape. `null` attributes are dropped as unset
 * (json-format.md 2.2). `data` is frozen in place, not copied: hand over data you no longer
 * mutate. Idempotent: a record this function returned is returned as is.
 * @throws InvalidEventError listing every problem, e.g. `id: required, missing; time: ...`.
 */
export function validateCloudEvent(candidate: Record<string, unknown>): CloudEventRecord {
  if (validated.has(candidate)) return candidate as CloudEventRecord;
  const problems: string[] = [];
  const record: Record<string, unknown> = {};
  for (const [name, required, check] of coreAttributes) {
    const value = candidate[name];
    if (value === undefined || value === null) {
      if (required) problems.push(`${name}: required, missing`);
    } else if (typeof value !== 'string') {
      problems.push(`${name}: expected a string, got ${describe(value)}`);
    } else {
      const problem = check(value);
      if (problem) problems.push(`${name}: ${problem}`);
      else record[name] = value;
    }
  }
  for (const name of Object.keys(candidate)) {
    if (coreAttributeNames.has(name) || dataMemberNames.has(name)) continue;
    const problem = extensionProblem(name, candidate[name]);
    if (problem) problems.push(problem);
    else if (candidate[name] !== undefined && candidate[name] !== null) record[name] = candidate[name];
  }
  checkData(candidate, record, problems);
  if (problems.length > 0) throw new InvalidEventError(problems.join('; '));
  validated.add(Object.freeze(record));
  return record as CloudEventRecord;
}

// spec.md "Extension Context Attributes": same naming rules and type system as core ones;
// in JSON only String, Boolean and Integer have encodings (json-format.md 2.2).
function extensionProblem(name: string, value: unknown): string | undefined {
  if (!attributeNamePattern.test(name)) {
    return `${quote(name)}: attribute names must consist of lower-case letters a-z and digits 0-9 (spec.md "Naming Conventions")`;
  }
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem && `${name}: ${problem}`;
  }
  if (typeof value === 'number') {
    return isCeInteger(value)
      ? undefined
      : `${name}: ${value} is not an Integer (a whole number from ${integerMin} to ${integerMax})`;
  }
  return `${name}: expected a String, Boolean or Integer, got ${describe(value)}`;
}

// json-format.md 3.1: `data` holds JSON or a string, `data_base64` holds binary; never both.
function checkData(candidate: Record<string, unknown>, record: Record<string, unknown>, problems: string[]): void {
  const data = candidate['data'];
  const base64 = candidate['data_base64'];
  if (data !== undefined && base64 !== undefined) {
    problems.push('data, data_base64: both present; an event carries its payload in one of them (json-format.md 3.1.1)');
    return;
  }
  if (base64 !== undefined) {
    if (typeof base64 !== 'string') problems.push(`data_base64: expected a base64 string, got ${describe(base64)}`);
    else if (!isBase64(base64)) problems.push('data_base64: is not valid base64 (RFC 4648 section 4, padded, no line breaks)');
    else record['data_base64'] = base64;
    return;
  }
  if (data === undefined) return;
  const contentType = typeof candidate['datacontenttype'] === 'string' ? parseMediaType(candidate['datacontenttype']) : undefined;
  if (contentType && !declaresJson(contentType)) {
    // json-format.md 3.1.2: non-JSON data is an encoded content string; binary goes in data_base64.
    if (typeof data !== 'string') {
      problems.push(`data: must be a string when datacontenttype ${contentType.type}/${contentType.subtype} does not declare JSON; send binary payloads as data_base64`);
      return;
    }
  } else {
    const problem = freezeJsonValue(data, 0, new Set());
    if (problem) {
      problems.push(`data: ${problem}`);
      return;
    }
  }
  record['data'] = data;
}

/** Verifies `value` is a JSON value and freezes it bottom-up; returns a problem or undefined. */
function freezeJsonValue(value: unknown, depth: number, ancestors: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `holds ${value}, which is not a JSON number`;
  if (typeof value !== 'object') return `holds ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot carry`;
  if (depth >= maxDataDepth) return `is nested deeper than ${maxDataDepth} levels`;
  if (ancestors.has(value)) return 'refers to itself, which JSON cannot carry';
  const isArray = Array.isArray(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    return `holds ${describe(value)}, which JSON cannot carry (binary belongs in data_base64)`;
  }
  ancestors.add(value);
  for (const child of isArray ? value : Object.values(value)) {
    // An undefined member is dropped by JSON.stringify; in an array it would become null.
    if (child === undefined && !isArray) continue;
    const problem = freezeJsonValue(child, depth + 1, ancestors);
    if (problem) return problem;
  }
  ancestors.delete(value);
  Object.freeze(value);
  return undefined;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${String(value)}` : `a ${typeof value}`;
}
