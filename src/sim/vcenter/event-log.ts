// The events the simulated vCenter retains, and their keys (contract section 2): keys
// strictly increasing but not contiguous (vCenter skips the keys of events it does not
// stream), above 2^31 by default; only the newest `retain` events are kept, so a client
// resuming from an older key learns of a gap.

import type { EventGenerator } from './event-generator.js';
import type { Random } from './random.js';
import type { VsphereEvent } from './types.js';

/** An event and its JSON, serialised once however many connections it goes to. */
export interface StoredEvent {
  readonly event: VsphereEvent;
  readonly json: string;
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

  constructor(options: EventLogOptions) {
    this.#options = options;
    this.#nextKey = options.firstKey;
    this.#latestKey = options.firstKey - 1;
  }

  /** Create n events now, with the next keys. */
  append(n: number): StoredEvent[] {
    const created: StoredEvent[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.#nextKey;
      const skippedFrom = key - this.#latestKey > 1 && this.#latestKey >= this.#options.firstKey ? this.#latestKey + 1 : undefined;
      const event = this.#options.generator.next({ key, skippedFrom, createdTime: this.#now() });
      const stored = { event, json: JSON.stringify(event) };
      this.#stored.push(stored);
      created.push(stored);
      this.#latestKey = key;
      this.#nextKey = key + this.#options.random.int(1, this.#options.keyStep);
    }
    this.forget(this.size - this.#options.retain);
    return created;
  }

  /** Drop the oldest n retained events (a reconnect from before them then gets a gap). */
  forget(n: number): number {
    const count = Math.max(0, Math.min(n, this.size));
    if (count === 0) return 0;
    this.#head += count;
    this.#highestDiscardedKey = this.#stored[this.#head - 1]!.event.Key;
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
      if (this.#stored[mid]!.event.Key <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.#stored.slice(lo);
  }

  /** True when an event with a Key greater than `since` was discarded: resuming from it loses events. */
  lostAfter(since: number): boolean {
    return this.#highestDiscardedKey > since;
  }

  events(): VsphereEvent[] {
    return this.#stored.slice(this.#head).map((s) => s.event);
  }

  get size(): number {
    return this.#stored.length - this.#head;
  }

  /** The oldest retained Key; when none is retained, the Key the next event will get. */
  get oldestKey(): number {
    return this.#stored[this.#head]?.event.Key ?? this.#nextKey;
  }

  /** The newest Key handed out; firstKey - 1 before the first event. */
  get latestKey(): number {
    return this.#latestKey;
  }

  /** RFC 3339 with microseconds, like vCenter's; strictly increasing in Key order. */
  #now(): string {
    const micros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), this.#lastMicros + 1);
    this.#lastMicros = micros;
    const iso = new Date(Math.floor(micros / 1000)).toISOString();
    return `${iso.slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`;
  }
}
