// Online guessing of a source's password, token or HMAC secret is slowed per client address:
// each failed authentication takes a token from that address's bucket (a burst of 10,
// refilled at one a second); an address with an empty bucket is answered 429 before its
// credentials are even looked at. Other senders are not affected. Applies only to sources
// with `auth`, always on.

import { RateLimitExceededError } from './rate-limit.js';

const burst = 10;
const perMs = 1 / 1000;
const maxAddresses = 10_000;

interface Bucket {
  tokens: number;
  last: number;
}

export class FailedAuthThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Throws RateLimitExceededError while `address` has used up its failures. */
  check(address: string): void {
    const bucket = this.#refilled(address);
    if (bucket && bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      throw new RateLimitExceededError(`too many failed authentications from ${address}; retry in ${seconds} seconds`, seconds);
    }
  }

  /** Record one failed authentication from `address`. */
  failed(address: string): void {
    const bucket = this.#refilled(address) ?? { tokens: burst, last: this.#now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.#buckets.delete(address); // re-insert: Map order is then least recently failed first
    if (this.#buckets.size >= maxAddresses) this.#buckets.delete(this.#buckets.keys().next().value!);
    this.#buckets.set(address, bucket);
  }

  #refilled(address: string): Bucket | undefined {
    const bucket = this.#buckets.get(address);
    if (!bucket) return undefined;
    const at = this.#now();
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, at - bucket.last) * perMs);
    bucket.last = at;
    if (bucket.tokens >= burst) this.#buckets.delete(address); // full again: forget it
    return bucket;
  }
}
