import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/router/backoff.js';

describe('retry backoff', () => {
  it('doubles the delay for exponential backoff up to maxDelay', () => {
    const policy = { attempts: 10, backoff: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 } as const;
    expect([1, 2, 3, 4, 7, 8].map((n) => retryDelayMs(policy, n))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000]);
  });

  it('adds the delay for linear backoff up to maxDelay', () => {
    const policy = { attempts: 10, backoff: 'linear', delayMs: 500, maxDelayMs: 1_200 } as const;
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([500, 1_000, 1_200]);
  });
});
