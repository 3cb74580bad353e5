// A token bucket per source: `burst` requests at once, refilled at `requestsPerSecond`.
// http-webhook.md 2.2: a target over its rate limit SHOULD answer 429 and MUST include
// Retry-After, which the sender MUST observe.

import { RateLimitedError } from '../../src/errors.js';
import type { RateLimitConfig } from './schema.js';

/** A refused request, with the whole seconds its sender should wait (Retry-After). */
export class RateLimitExceededError extends RateLimitedError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export interface RequestRateLimit {
  /** Takes one token, or throws RateLimitExceededError when there is none. */
  take(): void;
  /** The limit in requests per minute, as WebHook-Allowed-Rate states it; '*' when none. */
  readonly perMinute: string;
}

export const unlimited: RequestRateLimit = { take: () => {}, perMinute: '*' };

/** `now` is in milliseconds; only its differences matter. */
export function createRateLimit(config: RateLimitConfig, now: () => number): RequestRateLimit {
  const rate = config.requestsPerSecond / 1000; // tokens per millisecond
  const capacity = config.burst ?? Math.ceil(config.requestsPerSecond);
  let tokens = capacity;
  let last = now();
  return {
    // http-webhook.md 4.2.2: a positive integer of requests per minute; a slower limit than
    // one a minute is still announced as 1, the smallest the header can say.
    perMinute: String(Math.max(1, Math.floor(config.requestsPerSecond * 60))),
    take() {
      const at = now();
      // A clock stepped backwards refills nothing rather than draining the bucket.
      tokens = Math.min(capacity, tokens + Math.max(0, at - last) * rate);
      last = at;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      const seconds = Math.max(1, Math.ceil((1 - tokens) / rate / 1000));
      throw new RateLimitExceededError(
        `this source accepts ${config.requestsPerSecond} requests per second (bursts of ${capacity}); retry in ${seconds} seconds`,
        seconds,
      );
    },
  };
}
