// A tick's event. Its id is the source name and the tick's scheduled time — not the moment
// the timer fired — so two appliances running the same source on one NATS cluster build
// the same (source, id) for a tick, and the bus's duplicate window stores it once (the
// intake's Nats-Msg-Id is derived from exactly that pair). Retrying a tick is just as safe.

import type { EventCandidate } from '../source.js';

export interface TickOptions {
  readonly name: string;
  readonly type: string;
  readonly data?: unknown;
}

/** The scheduled time to the second, in UTC: 2026-03-01T03:00:00Z. */
export function tickTime(scheduled: Date): string {
  const seconds = Math.floor(scheduled.getTime() / 1000);
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** `<name>@<scheduled time>`, e.g. nightly-backup@2026-03-01T03:00:00Z. */
export function tickId(name: string, scheduled: Date): string {
  return `${name}@${tickTime(scheduled)}`;
}

export function tickSource(name: string): string {
  return `/switchboard/cron/${name}`;
}

export function tickCandidate(options: TickOptions, scheduled: Date): EventCandidate {
  const time = tickTime(scheduled);
  return {
    specversion: '1.0',
    id: `${options.name}@${time}`,
    source: tickSource(options.name),
    type: options.type,
    time,
    ...(options.data === undefined ? {} : { datacontenttype: 'application/json', data: options.data }),
  };
}
