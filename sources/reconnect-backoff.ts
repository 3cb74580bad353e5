// Delays between reconnect attempts: exponential with full jitter (AWS architecture blog,
// "Exponential Backoff And Jitter"), so that many appliances reconnecting to one vCenter
// or broker after an outage do not arrive in lockstep.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = Object.freeze({ initialMs: 500, maxMs: 30_000 });

export class ReconnectBackoff {
  #attempt = 0;
  readonly #options: BackoffOptions;
  readonly #random: () => number;

  constructor(options: BackoffOptions = defaultBackoff, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** The delay before the next attempt: uniformly random in [0, min(max, initial·2^n)]. */
  next(): number {
    const ceiling = Math.min(this.#options.maxMs, this.#options.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.round(this.#random() * ceiling);
  }

  /** After a connection that worked: start again from the initial delay. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
