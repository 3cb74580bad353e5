// Publishes one connection's events in Key order without waiting for each store before
// sending the next (STYLE.md "Hot paths"), and works out how far the checkpoint may go: to
// the highest Key whose event and every earlier one the bus has stored. An event that can
// never be stored (invalid) is passed over; a store that failed for now (bus unavailable)
// stops everything behind it — the server replays from the checkpoint after a reconnect.

import { EventTooLargeError, InvalidEventError } from '../../src/errors.js';
import type { Dispatch, EventCandidate, StoredEvent } from '../source.js';

export interface Publication {
  /** The vSphere Key; undefined for the source's own events (a gap), which move no checkpoint. */
  readonly key: number | undefined;
  readonly candidate: EventCandidate;
}

export interface PublisherEvents {
  /** The bus stored it (or already held it: `stored.duplicate`). */
  stored(publication: Publication, stored: StoredEvent): void;
  /** It can never be stored; passed over so the stream goes on. */
  refused(publication: Publication, error: Error): void;
  /**
   * The store failed for now (bus unavailable). At the first, the publisher halts: nothing
   * more is dispatched, and the checkpoint stays before this event.
   */
  unstored(publication: Publication, error: Error): void;
  /** Every event up to and including `key` is stored: the checkpoint may move there. */
  advanced(key: number): void;
  /** The backlog fell to the low-water mark: reading frames may go on. */
  drained(): void;
}

export interface PublisherLimits {
  /** Dispatches awaiting the bus at once. */
  readonly maxInFlight: number;
  /** Events accepted but not yet dispatched, above which the caller should stop reading. */
  readonly highWater: number;
}

/** An error that no retry will cure: the event is refused, not retried. */
export function isPermanentRefusal(error: unknown): boolean {
  return error instanceof InvalidEventError || error instanceof EventTooLargeError;
}

interface Entry {
  readonly key: number | undefined;
  done: boolean;
}

export class OrderedPublisher {
  readonly #dispatch: Dispatch;
  readonly #events: PublisherEvents;
  readonly #limits: PublisherLimits;
  /** Dispatched, in order, not yet part of the stored prefix. */
  readonly #window: Entry[] = [];
  #windowHead = 0;
  /** Accepted, waiting for room in the window. */
  readonly #waiting: Publication[] = [];
  #waitingHead = 0;
  #inFlight = 0;
  #halted = false;
  /** The caller was told to stop reading and waits for `drained`. */
  #full = false;
  #idle: (() => void)[] = [];

  constructor(dispatch: Dispatch, events: PublisherEvents, limits: PublisherLimits) {
    this.#dispatch = dispatch;
    this.#events = events;
    this.#limits = limits;
  }

  /** Accepts the next event in order. False when the caller should pause reading. */
  submit(publication: Publication): boolean {
    if (this.#halted) return true;
    this.#waiting.push(publication);
    this.#pump();
    if (this.waiting >= this.#limits.highWater) this.#full = true;
    return !this.#full;
  }

  get waiting(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get halted(): boolean {
    return this.#halted;
  }

  /** Stop dispatching; what waits is dropped (the server replays it), what flies lands. */
  halt(): void {
    this.#halted = true;
    this.#waiting.length = 0;
    this.#waitingHead = 0;
  }

  /** Resolves once nothing is in flight (after halt, nothing more will be). */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (!this.#halted && this.#inFlight < this.#limits.maxInFlight && this.waiting > 0) {
      const publication = this.#waiting[this.#waitingHead]!;
      this.#waiting[this.#waitingHead++] = undefined as unknown as Publication;
      if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#waitingHead);
        this.#waitingHead = 0;
      }
      this.#send(publication);
    }
  }

  #send(publication: Publication): void {
    const entry: Entry = { key: publication.key, done: false };
    this.#window.push(entry);
    this.#inFlight += 1;
    let dispatched: Promise<StoredEvent>;
    try {
      dispatched = this.#dispatch(publication.candidate);
    } catch (err) {
      dispatched = Promise.reject(err);
    }
    dispatched.then(
      (stored) => {
        entry.done = true;
        this.#events.stored(publication, stored);
        this.#landed();
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (isPermanentRefusal(error)) {
          entry.done = true;
          this.#events.refused(publication, error);
        } else {
          this.halt();
          this.#events.unstored(publication, error);
        }
        this.#landed();
      },
    );
  }

  #landed(): void {
    this.#inFlight -= 1;
    this.#advance();
    this.#pump();
    if (this.#full && !this.#halted && this.waiting <= this.#limits.highWater / 2) {
      this.#full = false;
      this.#events.drained();
    }
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  // The checkpoint moves over the stored prefix only: a later event stored before an
  // earlier one must not carry it past the earlier, which may still fail.
  #advance(): void {
    let key: number | undefined;
    while (this.#windowHead < this.#window.length && this.#window[this.#windowHead]!.done) {
      key = this.#window[this.#windowHead]!.key ?? key;
      this.#windowHead += 1;
    }
    if (this.#windowHead > 1024 && this.#windowHead * 2 > this.#window.length) {
      this.#window.splice(0, this.#windowHead);
      this.#windowHead = 0;
    }
    if (key !== undefined) this.#events.advanced(key);
  }
}
