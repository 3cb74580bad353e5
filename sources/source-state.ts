// A source's state as /readyz and /metrics show it, logged once per change — never once per
// retry — so that a broker that is down for an hour is one warning, not thousands.

import type { Logger } from 'pino';
import type { SourceHealth, SourceState } from './source.js';

export class SourceStateTracker {
  #health: SourceHealth = { state: 'starting' };
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  health(): SourceHealth {
    return this.#health;
  }

  /** Record the state; logs when the state (not merely the detail) changes. */
  set(state: SourceState, detail?: string): void {
    const previous = this.#health.state;
    this.#health = detail === undefined ? { state } : { state, detail };
    if (state === previous) return;
    const fields = { state, previous, ...(detail === undefined ? {} : { detail }) };
    if (state === 'degraded') this.#logger.warn(fields, `source ${state}`);
    else this.#logger.info(fields, `source ${state}`);
  }
}

/**
 * What every source with work after its abort shares: its state, and the `stopped` promise
 * the appliance waits on (bounded) before it closes the bus.
 */
export class SourceLifecycle {
  readonly state: SourceStateTracker;
  readonly stopped: Promise<void>;
  readonly #logger: Logger;
  #resolve!: () => void;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.state = new SourceStateTracker(logger);
    this.stopped = new Promise<void>((resolve) => (this.#resolve = resolve));
  }

  /** The source has finished its work after the abort (or never started). */
  finish(): void {
    this.#resolve();
  }

  /** For start(): a signal aborted before the start leaves the source stopped at once. */
  abortedBeforeStart(signal: AbortSignal): boolean {
    if (!signal.aborted) return false;
    this.state.set('stopped');
    this.finish();
    return true;
  }

  /** Follows a source's run loop: it ending is the source stopping; it throwing, a bug made visible. */
  follow(run: Promise<void>, what: string): void {
    void run.then(
      () => this.finish(),
      (err: unknown) => {
        this.#logger.error({ err }, `${what} stopped unexpectedly`);
        this.state.set('degraded', `stopped unexpectedly: ${(err as Error).message}`);
        this.finish();
      },
    );
  }
}
