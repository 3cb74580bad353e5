// Server → client frames of the event stream (contract section 2), read defensively: the
// server is another party, so anything it sends is checked before it is used, and a frame
// that does not follow the contract becomes a `malformed` result instead of an exception.

export interface HelloFrame {
  readonly kind: 'hello';
  readonly instanceUuid: string;
  readonly apiVersion: string;
  /** Informational only; absent when the server sent something other than a key. */
  readonly oldestKey?: number;
  readonly latestKey?: number;
}

/** `event` and `batch` frames alike: the events, unchecked (each is read on its own). */
export interface EventsFrame {
  readonly kind: 'events';
  readonly events: readonly unknown[];
}

export interface GapFrame {
  readonly kind: 'gap';
  readonly requestedSince: number;
  readonly oldestKey: number;
}

export interface PingFrame {
  readonly kind: 'ping';
}

/** A kind this client does not know (a newer server): ignored, not an error. */
export interface UnknownFrame {
  readonly kind: 'unknown';
  readonly name: string;
}

export interface MalformedFrame {
  readonly kind: 'malformed';
  /** What is wrong, for the log (never the frame itself, which may be large). */
  readonly problem: string;
}

export type ServerFrame = HelloFrame | EventsFrame | GapFrame | PingFrame | UnknownFrame | MalformedFrame;

/** The only frame a client sends (contract section 2). */
export const pongFrame = '{"kind":"pong"}';

const malformed = (problem: string): MalformedFrame => ({ kind: 'malformed', problem });

/** A key as the contract defines it: a positive integer (exact in a JS number). */
export function isKey(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseFrame(text: string): ServerFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('not JSON');
  }
  if (!isObject(value)) return malformed('not a JSON object');
  const kind = value['kind'];
  if (typeof kind !== 'string') return malformed('no "kind" string');
  switch (kind) {
    case 'hello':
      return readHello(value);
    case 'event':
      return isObject(value['event']) ? { kind: 'events', events: [value['event']] } : malformed('event: "event" is not an object');
    case 'batch':
      return Array.isArray(value['events']) ? { kind: 'events', events: value['events'] } : malformed('batch: "events" is not an array');
    case 'gap':
      return readGap(value);
    case 'ping':
      return { kind: 'ping' };
    default:
      return { kind: 'unknown', name: kind.slice(0, 64) };
  }
}

function readHello(value: Record<string, unknown>): HelloFrame | MalformedFrame {
  const { instanceUuid, apiVersion, oldestKey, latestKey } = value;
  if (typeof instanceUuid !== 'string' || instanceUuid === '') return malformed('hello: "instanceUuid" is not a non-empty string');
  if (typeof apiVersion !== 'string') return malformed('hello: "apiVersion" is not a string');
  return {
    kind: 'hello',
    instanceUuid,
    apiVersion,
    ...(isKey(oldestKey) ? { oldestKey } : {}),
    ...(isKey(latestKey) ? { latestKey } : {}),
  };
}

function readGap(value: Record<string, unknown>): GapFrame | MalformedFrame {
  const { requestedSince, oldestKey } = value;
  // requestedSince is the `since` the client sent: a key, or 0 if a server reports from the start.
  if (!(isKey(requestedSince) || requestedSince === 0)) return malformed('gap: "requestedSince" is not a key');
  if (!isKey(oldestKey)) return malformed('gap: "oldestKey" is not a key');
  return { kind: 'gap', requestedSince, oldestKey };
}
