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
