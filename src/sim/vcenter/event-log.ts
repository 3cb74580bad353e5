// The events the simulated vCenter retains, and their keys (contract section 2): keys
// strictly increasing but not contiguous (vCenter skips the keys of events it does not
// stream), above 2^31 by default; only the newest `retain` events are kept, so a client
// resuming from an older key learns of a gap.

import type { EventGenerator } from './event-generator.js';
import type { Random } from './random.js';
import type { VsphereEvent } from './types.js';

/**
 * An event as the log retains it: its Key and its JSON, serialised once however many
 * connections it goes to. Not the object itself: a log of 100,000 events held as objects
 * kept the garbage collector of the process running the simulator (a benchmark's, sharing
 * the cores with what it measures) busy marking them.
 */
export interface StoredEvent {
  readonly key: number;
  readonly json: string;
}

/** What append() created: the events themselves, and what the log keeps of them. */
export interface Appended {
  readonly events: VsphereEvent[];
  readonly stored: StoredEvent[];
}

export interface EventLogOptions {
  readonly retain: number;
  readonly firstKey: number;
  /** Each key is the previous one plus 1..keyStep (1 makes keys contiguous). */
  readonly keyStep: number;
  readonly random: Random;
  readonly generator: EventGenerator;
}

export class EventLog {
  readonly #options: EventLogOptions;
  /** Retained events from index #head on; compacted now and then rather than shifted. */
  #stored: StoredEvent[] = [];
  #head = 0;
  #nextKey: number;
  #latestKey: number;
  #highestDiscardedKey = 0;
  #lastMicros = 0;
  #isoMillis = -1;
  /** `YYYY-MM-DDTHH:MM:SS.mmm` of #isoMillis. */
  #isoPrefix = '';

  constructor(options: EventLogOptions) {
    this.#options = options;
    this.#nextKey = options.firstKey;
    this.#latestKey = options.firstKey - 1;
  }

  /** Create n events now, with the next keys. */
  append(n: number): Appended {
    const events: VsphereEvent[] = [];
    const stored: StoredEvent[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.#nextKey;
      const skippedFrom = key - this.#latestKey > 1 && this.#latestKey >= this.#options.firstKey ? this.#latestKey + 1 : undefined;
      const event = this.#options.generator.next({ key, skippedFrom, createdTime: this.#now() });
      const entry = { key, json: JSON.stringify(event) };
      this.#stored.push(entry);
      events.push(event);
      stored.push(entry);
      this.#latestKey = key;
      this.#nextKey = key + this.#options.random.int(1, this.#options.keyStep);
    }
    this.forget(this.size - this.#options.retain);
    return { events, stored };
  }

  /** Drop the oldest n retained events (a reconnect from before them then gets a gap). */
  forget(n: number): number {
    const count = Math.max(0, Math.min(n, this.size));
    if (count === 0) return 0;
    this.#head += count;
    this.#highestDiscardedKey = this.#stored[this.#head - 1]!.key;
    if (this.#head > 1024 && this.#head * 2 > this.#stored.length) {
      this.#stored = this.#stored.slice(this.#head);
      this.#head = 0;
    }
    return count;
  }

  /** Retained events with a Key greater than `since`, in Key order. */
  after(since: number): StoredEvent[] {
    let lo = this.#head;
    let hi = this.#stored.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#stored[mid]!.key <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.#stored.slice(lo);
  }

  /** True when an event with a Key greater than `since` was discarded: resuming from it loses events. */
  lostAfter(since: number): boolean {
    return this.#highestDiscardedKey > since;
  }

  /** The retained events, read back from their JSON (for tests: not on the stream's path). */
  events(): VsphereEvent[] {
    return this.#stored.slice(this.#head).map((s) => Object.freeze(JSON.parse(s.json) as VsphereEvent));
  }

  get size(): number {
    return this.#stored.length - this.#head;
  }

  /** The oldest retained Key; when none is retained, the Key the next event will get. */
  get oldestKey(): number {
    return this.#stored[this.#head]?.key ?? this.#nextKey;
  }

  /** The newest Key handed out; firstKey - 1 before the first event. */
  get latestKey(): number {
    return this.#latestKey;
  }

  /** RFC 3339 with microseconds, like vCenter's; strictly increasing in Key order. */
  #now(): string {
    const micros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), this.#lastMicros + 1);
    this.#lastMicros = micros;
    // A burst creates many events within one millisecond: its ISO text is worked out once.
    const millis = Math.floor(micros / 1000);
    if (millis !== this.#isoMillis) {
      this.#isoMillis = millis;
      this.#isoPrefix = new Date(millis).toISOString().slice(0, -1);
    }
    const sub = micros % 1000;
    return `${this.#isoPrefix}${sub < 10 ? '00' : sub < 100 ? '0' : ''}${sub}Z`;
  }
}
