// The server's frames (contract section 2): JSON text with a `kind`. Events are spliced in
// from their stored JSON, serialised once for every connection that receives them.

import type { StoredEvent } from './event-log.js';

export interface HelloFields {
  readonly instanceUuid: string;
  readonly apiVersion: string;
  readonly oldestKey: number;
  readonly latestKey: number;
}

export const helloFrame = (hello: HelloFields): string => JSON.stringify({ kind: 'hello', ...hello });

export const gapFrame = (requestedSince: number, oldestKey: number): string => JSON.stringify({ kind: 'gap', requestedSince, oldestKey });

export const pingFrame = (time: Date): string => JSON.stringify({ kind: 'ping', time: time.toISOString() });

export const eventFrame = (stored: StoredEvent): string => `{"kind":"event","event":${stored.json}}`;

export const batchFrame = (events: readonly StoredEvent[]): string => `{"kind":"batch","events":[${events.map((e) => e.json).join(',')}]}`;

/** Replays as batches of at most batchSize events, in Key order. */
export function batchFrames(events: readonly StoredEvent[], batchSize: number): string[] {
  const frames: string[] = [];
  for (let i = 0; i < events.length; i += batchSize) frames.push(batchFrame(events.slice(i, i + batchSize)));
  return frames;
}

/** Live events: one `event` frame for a single event, batches when several arrive at once. */
export function liveFrames(events: readonly StoredEvent[], batchSize: number): string[] {
  return events.length === 1 ? [eventFrame(events[0]!)] : batchFrames(events, batchSize);
}

/** The only frame a client may send (contract section 2). */
export function isPong(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): boolean {
  if (isBinary) return false;
  try {
    const value: unknown = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'pong';
  } catch {
    return false;
  }
}

/** Close codes (contract section 2), plus the one this server uses for a missing pong. */
export const closeCodes = {
  normal: 1000,
  goingAway: 1001,
  /** Not in the contract's list ("any other drop"): the client broke the pong rule. */
  policyViolation: 1008,
  sessionExpired: 4001,
  badRequest: 4400,
} as const;
