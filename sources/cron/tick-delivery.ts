// Hands one tick to the bus, retrying with backoff while the bus is unavailable — until the
// next tick is due or a bounded time passed, whichever comes first: a tick is worth most on
// time, and the next one supersedes it. Retries are safe because the tick's id is fixed
// (tick.ts). The source's state says an outage once; ticks given up are counted each and
// logged once per outage with how many there were.

import type { Dispatch, SourceDeps } from '../source.js';
import { ReconnectBackoff, sleep, type BackoffOptions } from '../reconnect-backoff.js';
import type { SourceStateTracker } from '../source-state.js';
import { BusUnavailableError, EventTooLargeError, InvalidEventError } from '../../src/errors.js';
import { tickCandidate, tickId, type TickOptions } from './tick.js';

export interface DeliveryTuning {
  readonly backoff: BackoffOptions;
  /** Longest a tick is retried, even when the next one is further away. */
  readonly maxRetryMs: number;
}

export class TickDelivery {
  readonly #options: TickOptions;
  readonly #dispatch: Dispatch;
  readonly #deps: SourceDeps;
  readonly #state: SourceStateTracker;
  readonly #tuning: DeliveryTuning;
  /** Ticks given up since the bus was last seen working. */
  #lost = 0;

  constructor(options: TickOptions, dispatch: Dispatch, deps: SourceDeps, state: SourceStateTracker, tuning: DeliveryTuning) {
    this.#options = options;
    this.#dispatch = dispatch;
    this.#deps = deps;
    this.#state = state;
    this.#tuning = tuning;
  }

  /** Delivers the tick scheduled at `scheduled`; gives up at `nextTick` (epoch ms) or when `signal` aborts. */
  async deliver(scheduled: Date, nextTick: number | undefined, signal: AbortSignal): Promise<void> {
    const until = Math.min(nextTick ?? Infinity, Date.now() + this.#tuning.maxRetryMs);
    const backoff = new ReconnectBackoff(this.#tuning.backoff);
    for (;;) {
      try {
        const stored = await this.#dispatch(tickCandidate(this.#options, scheduled));
        this.#deps.countReceived(stored.duplicate ? 'duplicate' : 'accepted');
        this.#recovered();
        return;
      } catch (err) {
        if (!(err instanceof BusUnavailableError)) return this.#refused(err, scheduled);
        this.#state.set('degraded', `the bus is unavailable (${err.message}): ticks are retried until the next one is due`);
        const delay = backoff.next();
        if (signal.aborted || Date.now() + delay >= until) return this.#giveUp(scheduled, err);
        await sleep(delay, signal);
        if (signal.aborted) return this.#giveUp(scheduled, err);
      }
    }
  }

  #recovered(): void {
    if (this.#state.health().state === 'running') return;
    if (this.#lost > 0) {
      this.#deps.logger.warn({ lost: this.#lost }, `${this.#lost} tick(s) were lost while the bus was unavailable`);
      this.#lost = 0;
    }
    this.#state.set('running');
  }

  #giveUp(scheduled: Date, err: Error): void {
    this.#deps.countReceived('unavailable');
    if (this.#lost === 0) {
      this.#deps.logger.error({ tick: tickId(this.#options.name, scheduled), err }, 'tick lost: the bus stayed unavailable until the next tick was due; further losses are counted until it is back');
    }
    this.#lost += 1;
  }

  // The event itself is wrong (its data too large for the bus, say): every tick will fail
  // the same way, so it is logged once, when the state changes, and counted each time.
  #refused(err: unknown, scheduled: Date): void {
    const outcome = err instanceof InvalidEventError ? 'invalid' : err instanceof EventTooLargeError ? 'too_large' : 'error';
    this.#deps.countReceived(outcome);
    if (this.#state.health().state === 'running') {
      this.#deps.logger.error({ tick: tickId(this.#options.name, scheduled), err }, 'tick refused: check the source\'s data');
    }
    this.#state.set('degraded', `ticks are refused: ${(err as Error).message}`);
  }
}
