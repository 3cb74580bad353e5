// What a function returned, as events to publish: a CloudEvent (an object with
// `specversion: "1.0"`) or an array of them chains functions. Any other return value is just
// the function's result. Published events carry where they came from: source
// `switchboard/functions/<name>`, `switchboardcausation` = the triggering event's id, and
// `switchboarddepth` = how many functions deep the chain is (loop protection).

import { createHash } from 'node:crypto';
import type { CloudEventRecord } from '../events/cloudevent.js';
import type { EventCandidate } from '../../sources/source.js';

export const causationExtension = 'switchboardcausation';
export const depthExtension = 'switchboarddepth';

export function functionSource(functionName: string): string {
  return `switchboard/functions/${encodeURIComponent(functionName)}`;
}

/** The bus source name results of a function are filed under: events.fn-<name>.<type>. */
export function functionSourceName(functionName: string): string {
  return `fn-${functionName}`;
}

/** The chain depth of an event: 0 for one that came from a source. */
export function chainDepth(event: CloudEventRecord): number {
  const depth = Number(event[depthExtension] ?? 0);
  return Number.isInteger(depth) && depth >= 0 ? depth : 0;
}

export function isCloudEventLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { specversion?: unknown }).specversion === '1.0';
}

/**
 * The events a result holds, stamped with origin and depth. Ids the function left out are
 * derived from the trigger, the subscription and the position, so a retried invocation
 * publishes the same ids and the bus stores them once.
 */
export function resultEvents(
  result: unknown,
  trigger: CloudEventRecord,
  functionName: string,
  subscription: string,
): EventCandidate[] {
  const items = Array.isArray(result) ? result.filter(isCloudEventLike) : isCloudEventLike(result) ? [result] : [];
  const depth = chainDepth(trigger) + 1;
  return items.map((item, index) => ({
    ...item,
    id: typeof item.id === 'string' && item.id !== '' ? item.id : derivedId(trigger, subscription, index),
    source: functionSource(functionName),
    [causationExtension]: trigger.id,
    [depthExtension]: depth,
  }));
}

function derivedId(trigger: CloudEventRecord, subscription: string, index: number): string {
  return createHash('sha256').update(`${trigger.source}\u0000${trigger.id}\u0000${subscription}\u0000${index}`).digest('hex').slice(0, 32);
}
