// Remembers the signatures of timestamped HMAC requests that were accepted, until their
// timestamp falls out of the tolerance (after which the timestamp check refuses them anyway),
// so a captured request cannot be sent again inside the tolerance either. Only accepted
// requests are remembered: a sender retrying the very same request after a 503 gets through.

const defaultMaxEntries = 100_000;

export class ReplayGuard {
  /** signature → when it stops mattering (ms); Map order is insertion order. */
  readonly #seen = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(maxEntries = defaultMaxEntries) {
    this.#maxEntries = maxEntries;
  }

  seen(signature: string, now: number): boolean {
    const until = this.#seen.get(signature);
    return until !== undefined && until > now;
  }

  remember(signature: string, until: number, now: number): void {
    if (this.#seen.size >= this.#maxEntries) this.#prune(now);
    this.#seen.set(signature, until);
  }

  #prune(now: number): void {
    for (const [signature, until] of this.#seen) if (until <= now) this.#seen.delete(signature);
    // Still full of live entries (a flood of valid signed requests): drop the oldest. Bounded
    // memory wins over remembering every signature; such a flood needs the rate limit anyway.
    for (const signature of this.#seen.keys()) {
      if (this.#seen.size < this.#maxEntries) break;
      this.#seen.delete(signature);
    }
  }
}
