// Paths into an event's payload: `Vm.Name`, `Arguments.0.Value`, or a list of keys for keys
// that hold dots (`["com.vmware.key", "Value"]`). A segment of digits indexes an array; on
// an object it is an ordinary key. Only the event's own JSON is walked (own properties: a
// path `constructor` finds nothing rather than Object's constructor).

import { InvalidFilterError } from '../errors.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import type { DataPath } from './types.js';

export type Segments = readonly string[];

const arrayIndex = /^(0|[1-9][0-9]*)$/u;

export function parseDataPath(path: DataPath): Segments {
  if (typeof path !== 'string') return path.map(String);
  const segments = path.split('.');
  const empty = segments.indexOf('');
  if (empty >= 0) {
    throw new InvalidFilterError(
      `path ${JSON.stringify(path)} has an empty segment (segment ${empty + 1}): write keys between single dots, e.g. Vm.Name; for a key holding dots use a list, e.g. path: ["a.b", "c"]`,
      { key: 'path' },
    );
  }
  return segments;
}

/** The path as an operator reads it: dotted, or as a JSON list when a key holds a dot. */
export function formatDataPath(segments: Segments): string {
  return segments.some((s) => s.includes('.') || s === '') ? JSON.stringify(segments) : segments.join('.');
}

/** Where a lookup ended: the value, or why there is none (for explanations). */
export type Lookup =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly why: string };

/** The JSON payload a path walks from; undefined when the event has none to walk. */
export function dataRoot(event: CloudEventRecord): object | undefined {
  const data = event.data;
  return data !== null && typeof data === 'object' ? data : undefined;
}

/** The value at `segments`, or undefined when the path does not exist. Hot path: no allocation. */
export function valueAtPath(event: CloudEventRecord, segments: Segments): unknown {
  let at: unknown = dataRoot(event);
  for (const segment of segments) {
    if (at === null || typeof at !== 'object') return undefined;
    if (Array.isArray(at)) {
      if (!arrayIndex.test(segment)) return undefined;
      at = at[Number(segment)];
    } else {
      if (!Object.hasOwn(at, segment)) return undefined;
      at = (at as Record<string, unknown>)[segment];
    }
  }
  return at;
}

/** valueAtPath with the reason a path does not exist, for `subscriptions test`. */
export function lookUp(event: CloudEventRecord, segments: Segments): Lookup {
  if (dataRoot(event) === undefined) return { found: false, why: noRoot(event) };
  let at: unknown = event.data;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const here = i === 0 ? 'data' : `data.${formatDataPath(segments.slice(0, i))}`;
    if (at === null || typeof at !== 'object') return { found: false, why: `${here} is ${at === null ? 'null' : `a ${typeof at}`}, not an object or array` };
    if (Array.isArray(at)) {
      if (!arrayIndex.test(segment)) return { found: false, why: `${here} is an array and "${segment}" is not an index` };
      if (Number(segment) >= at.length) return { found: false, why: `${here} has ${at.length} item(s), no index ${segment}` };
      at = at[Number(segment)];
    } else {
      if (!Object.hasOwn(at, segment)) return { found: false, why: `${here} has no key ${JSON.stringify(segment)}` };
      at = (at as Record<string, unknown>)[segment];
    }
  }
  // An array hole or an explicit undefined is absent, as valueAtPath says.
  return at === undefined ? { found: false, why: `data.${formatDataPath(segments)} is undefined` } : { found: true, value: at };
}

function noRoot(event: CloudEventRecord): string {
  if (event.data_base64 !== undefined) return 'the event carries binary data (data_base64), which data matchers do not inspect';
  if (event.data === undefined) return 'the event has no data';
  if (typeof event.data === 'string') return 'the event data is a string, not a JSON object or array';
  return `the event data is ${event.data === null ? 'null' : `a ${typeof event.data}`}, not a JSON object or array`;
}
