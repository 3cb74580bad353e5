// Reading context attributes and extensions by name (spec §3.2) and EXISTS (§3.4.4).

import { cesqlError } from './errors.js';
import { constant, type CesqlEvent, type Compiled, type Evaluation } from './evaluation.js';
import { isInt32, type CesqlValue } from './types.js';

/** Always present in a valid CloudEvent, so EXISTS is TRUE for them (§3.4.4). */
const REQUIRED = new Set(['specversion', 'id', 'source', 'type']);

/** The payload is not a context attribute; CESQL does not reach into it (§1). (Its other
 *  name, data_base64, is not an identifier at all: the parser refuses it.) */
export const PAYLOAD = 'data';

export function compileAttribute(name: string, evaluation: Evaluation, where: string): Compiled {
  if (name === PAYLOAD) {
    const error = cesqlError(
      'missingAttribute',
      `'${name}' is the payload, not an attribute, and CESQL cannot read it (${where}); use a data: filter to match on the payload`,
    );
    return { type: 'Unknown', run: () => missing(evaluation, error) };
  }
  const key = internalized(name);
  // Made once: a missing attribute costs no allocation on the per-event path.
  const error = cesqlError('missingAttribute', `the event has no attribute '${name}' (${where})`);
  return {
    type: 'Unknown',
    run: (event) => {
      const raw = event[key];
      return typeof raw === 'string' ? raw : fromEvent(raw, evaluation, error);
    },
  };
}

export function compileExists(name: string): Compiled {
  if (REQUIRED.has(name)) return constant(true, 'Boolean');
  if (name === PAYLOAD) return constant(false, 'Boolean');
  const key = internalized(name);
  return { type: 'Boolean', run: (event) => isPresent(event[key]) };
}

/** The same name as a property key the engine has interned: a key cut out of the expression
 *  text would be hashed and looked up on every event (measured: ~10x slower with many filters). */
function internalized(name: string): string {
  return Object.keys({ [name]: true })[0]!;
}

function isPresent(raw: unknown): boolean {
  return raw !== undefined && raw !== null && typeof raw !== 'function';
}

function missing(evaluation: Evaluation, error: ReturnType<typeof cesqlError>): CesqlValue {
  evaluation.raise(error);
  return false; // §3.2: the type of a bare attribute is unknown, so it counts as Boolean
}

/** §3.2: a value that is not a Boolean, a 32-bit Integer or a String is read as a String. */
function fromEvent(raw: unknown, evaluation: Evaluation, error: ReturnType<typeof cesqlError>): CesqlValue {
  switch (typeof raw) {
    case 'boolean':
      return raw;
    case 'number':
      return isInt32(raw) ? raw + 0 : String(raw);
    case 'bigint':
      return isInt32(Number(raw)) ? Number(raw) : String(raw);
    case 'object':
      if (raw === null) return missing(evaluation, error);
      return objectAsString(raw);
    case 'string':
      return raw;
    default: // undefined, and functions and symbols, which no event carries
      return missing(evaluation, error);
  }
}

function objectAsString(raw: object): string {
  if (raw instanceof Date) return raw.toISOString(); // a Timestamp is a String (§3.1)
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64'); // Binary, as in JSON
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}
