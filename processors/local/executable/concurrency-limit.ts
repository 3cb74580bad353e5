// At most `limit` at once; the rest wait in arrival order. Pure (no I/O). The executable
// runner keeps one per function: its processes are one-shot, so there is no pool to bound.

export class ConcurrencyLimit {
  #running = 0;
  /** Resolves true with a slot, false when refused (shutting down). */
  readonly #waiting: Array<(granted: boolean) => void> = [];
  #refusing = false;

  /** `limit` is read at each call: a reloaded manifest's concurrency applies from then on. */
  acquire(limit: number): Promise<boolean> {
    if (this.#refusing) return Promise.resolve(false);
    if (this.#running < limit && this.#waiting.length === 0) {
      this.#running += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(limit: number): void {
    this.#running -= 1;
    while (this.#running < limit && this.#waiting.length > 0) {
      this.#running += 1;
      this.#waiting.shift()!(true);
    }
  }

  /** Shutting down: whoever waits is refused, and so is anyone who comes. */
  refuse(): void {
    this.#refusing = true;
    for (const waiter of this.#waiting.splice(0)) waiter(false);
  }

  get idle(): boolean {
    return this.#running === 0 && this.#waiting.length === 0;
  }
}
