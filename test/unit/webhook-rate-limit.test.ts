import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimit, RateLimitExceededError } from '../../sources/webhook/rate-limit.js';
import { startWebhookHarness, type WebhookHarness } from '../helpers/webhook-harness.js';

let clock = 0;
const now = () => clock;

/** Retry-After of the refusal, or 0 when the request was let through. */
function waitAfter(take: () => void): number {
  try {
    take();
    return 0;
  } catch (err) {
    if (!(err instanceof RateLimitExceededError)) throw err;
    return err.retryAfterSeconds;
  }
}

describe('rate limit: the token bucket', () => {
  beforeEach(() => (clock = 1_000_000));

  it('lets a burst through, refuses the next, and refills at requestsPerSecond', () => {
    const limit = createRateLimit({ requestsPerSecond: 2, burst: 3 }, now);
    expect([0, 1, 2].map(() => waitAfter(limit.take))).toEqual([0, 0, 0]);
    expect(waitAfter(limit.take)).toBe(1);
    clock += 499;
    expect(waitAfter(limit.take)).toBe(1);
    clock += 1; // 500 ms at 2 per second: one token
    expect(waitAfter(limit.take)).toBe(0);
    expect(waitAfter(limit.take)).toBe(1);
    clock += 60_000; // a quiet minute refills to the burst, no further
    expect([0, 1, 2, 3].map(() => waitAfter(limit.take))).toEqual([0, 0, 0, 1]);
  });

  it('asks a sender of a slow source to wait until the next token, in whole seconds', () => {
    const limit = createRateLimit({ requestsPerSecond: 0.1 }, now);
    expect(waitAfter(limit.take)).toBe(0);
    expect(waitAfter(limit.take)).toBe(10);
    clock += 2_500;
    expect(waitAfter(limit.take)).toBe(8);
  });

  it('defaults the burst to requestsPerSecond rounded up', () => {
    const limit = createRateLimit({ requestsPerSecond: 2.5 }, now);
    expect([0, 1, 2, 3].map(() => waitAfter(limit.take))).toEqual([0, 0, 0, 1]);
  });

  it('refills nothing when the clock steps backwards', () => {
    const limit = createRateLimit({ requestsPerSecond: 1, burst: 1 }, now);
    limit.take();
    clock -= 3_600_000;
    expect(waitAfter(limit.take)).toBe(1);
  });

  it('states the limit in requests per minute, as WebHook-Allowed-Rate wants it', () => {
    expect(createRateLimit({ requestsPerSecond: 2 }, now).perMinute).toBe('120');
    expect(createRateLimit({ requestsPerSecond: 0.5 }, now).perMinute).toBe('30');
    expect(createRateLimit({ requestsPerSecond: 0.001 }, now).perMinute).toBe('1');
  });
});

describe('rate limit: the webhook', () => {
  let hooks: WebhookHarness;
  beforeAll(async () => {
    hooks = await startWebhookHarness();
    await hooks.start({ name: 'limited', type: 'webhook', path: '/hooks/limited', rateLimit: { requestsPerSecond: 1, burst: 3 } }, now);
    await hooks.start({
      name: 'guarded', type: 'webhook', path: '/hooks/guarded', rateLimit: { requestsPerSecond: 1, burst: 1 },
      auth: { type: 'bearer', token: 't0ken' },
    }, now);
  });
  afterAll(() => hooks.close());
  beforeEach(() => {
    hooks.reset();
    clock += 3_600_000; // every bucket full again
  });
  const post = (path: string, headers: Record<string, string> = {}) =>
    hooks.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  it('accepts a burst, answers the next request 429 with Retry-After without dispatching it, and accepts again after the refill', async () => {
    for (let i = 0; i < 3; i++) expect((await post('/hooks/limited')).status).toBe(202);
    const refused = await post('/hooks/limited');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body?.['error']).toBe('SB_EVENT_RATE_LIMITED');
    expect(hooks.dispatched).toHaveLength(3);
    expect(hooks.outcomes).toEqual(['accepted', 'accepted', 'accepted', 'rate_limited']);
    clock += 1_000;
    expect((await post('/hooks/limited')).status).toBe(202);
    expect(hooks.dispatched).toHaveLength(4);
  });

  it('counts a batch as one request', async () => {
    const batch = JSON.stringify([1, 2].map((n) => ({ specversion: '1.0', id: `b-${n}`, source: '/s', type: 't' })));
    for (let i = 0; i < 3; i++) {
      const res = await hooks.request('/hooks/limited', { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: batch });
      expect(res.status).toBe(202);
    }
    expect((await post('/hooks/limited')).status).toBe(429);
  });

  it('does not let requests without the credential use up the budget', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/hooks/guarded', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/hooks/guarded', { authorization: 'Bearer t0ken' })).status).toBe(202);
    expect((await post('/hooks/guarded', { authorization: 'Bearer t0ken' })).status).toBe(429);
  });

  it('does not limit the validation handshake', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await hooks.request('/hooks/limited', { method: 'OPTIONS', headers: { 'webhook-request-origin': 'emitter.example.com' } });
      expect(res.headers.get('webhook-allowed-rate')).toBe('60');
    }
    expect((await post('/hooks/limited')).status).toBe(202);
  });
});
