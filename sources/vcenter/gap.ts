// A retention gap (contract section 2, `gap`): the server no longer holds events with keys
// in (requestedSince, oldestKey). The source surfaces it loudly — a log line, the lost
// metric and an event of its own that subscriptions can act on — and the stream goes on.

import type { EventCandidate } from '../source.js';
import type { GapFrame } from './frames.js';

export const gapEventType = 'com.switchboard.vcenter.gap';

/**
 * How many events may have been lost: every key in the open interval. Keys are not
 * contiguous (vCenter skips some), so this is an upper bound, not a count.
 */
export function lostUpperBound(gap: GapFrame): number {
  return Math.max(0, gap.oldestKey - gap.requestedSince - 1);
}

/**
 * Deterministic in (instance, requestedSince, oldestKey): a gap frame repeated after a
 * reconnect gives the same CloudEvent id, and the bus stores it once. The `gap-` prefix
 * keeps it apart from vSphere events, whose ids are decimal keys of the same source.
 */
export function gapEventId(instanceUuid: string, gap: GapFrame): string {
  return `gap-${instanceUuid}-${gap.requestedSince}-${gap.oldestKey}`;
}

export function gapEvent(gap: GapFrame, instanceUuid: string, source: string, now: Date): EventCandidate {
  return {
    specversion: '1.0',
    id: gapEventId(instanceUuid, gap),
    source,
    type: gapEventType,
    subject: instanceUuid,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: { requestedSince: gap.requestedSince, oldestKey: gap.oldestKey, instanceUuid },
  };
}
