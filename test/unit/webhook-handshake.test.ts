import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookHarness, type WebhookHarness } from '../helpers/webhook-harness.js';

// http-webhook.md 4: OPTIONS with WebHook-Request-Origin asks for permission to deliver; the
// grant is the WebHook-Allowed-Origin and WebHook-Allowed-Rate headers (4.2).

let hooks: WebhookHarness;
beforeAll(async () => {
  hooks = await startWebhookHarness();
  await hooks.start({ name: 'open', type: 'webhook', path: '/hooks/open' });
  await hooks.start({
    name: 'listed', type: 'webhook', path: '/hooks/listed', allowedOrigins: ['eventemitter.example.com', 'github.com'],
    rateLimit: { requestsPerSecond: 2 }, auth: { type: 'hmac', secret: 'k' },
  });
});
afterAll(() => hooks.close());
beforeEach(() => hooks.reset());

const ask = (path: string, headers: Record<string, string> = {}) => hooks.request(path, { method: 'OPTIONS', headers });

describe('webhook validation handshake (http-webhook.md 4)', () => {
  it('grants any origin when no allowedOrigins are set, echoing it, with an unlimited rate', async () => {
    const res = await ask('/hooks/open', { 'webhook-request-origin': 'eventemitter.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    expect(res.headers.get('allow')).toContain('POST');
  });

  it('grants a listed origin, whatever its case, with the rate limit in requests per minute', async () => {
    const res = await ask('/hooks/listed', { 'webhook-request-origin': 'EventEmitter.Example.com', 'webhook-request-rate': '600' });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('EventEmitter.Example.com');
    expect(res.headers.get('webhook-allowed-rate')).toBe('120');
  });

  it('asks no credential, even of a source that requires one for delivery', async () => {
    const res = await ask('/hooks/listed', { 'webhook-request-origin': 'github.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('github.com');
  });

  it('withholds the grant from an origin that is not listed', async () => {
    const res = await ask('/hooks/listed', { 'webhook-request-origin': 'attacker.example.net', 'webhook-request-rate': '60' });
    expect(res.status).toBe(403);
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
    expect(res.headers.get('webhook-allowed-rate')).toBeNull();
  });

  it('grants without calling back: WebHook-Request-Callback is not needed when the answer grants', async () => {
    const res = await ask('/hooks/open', { 'webhook-request-origin': 'emitter.example.com', 'webhook-request-callback': 'http://169.254.169.254/latest' });
    expect(res.headers.get('webhook-allowed-origin')).toBe('emitter.example.com');
  });

  it('refuses an origin that is not one DNS name, granting nothing', async () => {
    const res = await ask('/hooks/open', { 'webhook-request-origin': 'https://emitter.example.com/x' });
    expect(res.status).toBe(400);
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
  });

  it('answers a plain OPTIONS with the methods it accepts and no grant', async () => {
    const res = await ask('/hooks/open');
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toBe('OPTIONS, POST');
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
  });

  it('publishes and counts nothing', async () => {
    await ask('/hooks/open', { 'webhook-request-origin': 'emitter.example.com' });
    expect(hooks.dispatched).toEqual([]);
    expect(hooks.outcomes).toEqual([]);
  });
});
