import type { RetryPolicy } from '../config/types.js';

/**
 * Delay before the attempt after `failedAttempt` (1-based): exponential doubles from
 * `delay` (1s, 2s, 4s...), linear adds it (1s, 2s, 3s...); both capped at `maxDelay`.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const n = Math.max(1, failedAttempt);
  const raw = policy.backoff === 'exponential' ? policy.delayMs * 2 ** (n - 1) : policy.delayMs * n;
  return Math.min(raw, policy.maxDelayMs);
}
