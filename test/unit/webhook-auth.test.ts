import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../../src/errors.js';
import type { WebhookConfig } from '../../sources/webhook/schema.js';
import { startWebhookHarness, type WebhookHarness } from '../helpers/webhook-harness.js';

// Done when: "A wrong HMAC, basic or bearer credential gets 401 and publishes nothing."

let hooks: WebhookHarness;
let clock = Date.parse('2024-05-01T12:00:00Z');
const now = () => clock;
const source = (name: string, auth: WebhookConfig['auth']): WebhookConfig => ({ name, type: 'webhook', path: `/hooks/${name}`, auth });

beforeAll(async () => {
  hooks = await startWebhookHarness();
  await hooks.start(source('basic', { type: 'basic', username: 'ops', password: 'pä55:word' }));
  await hooks.start(source('bearer', { type: 'bearer', token: 'mF_9.B5f-4.1JqM' }));
  await hooks.start(source('github', { type: 'hmac', secret: 'It\'s a Secret to Everybody' }));
  await hooks.start(source('legacy', { type: 'hmac', secret: 'k', algorithm: 'sha1' }));
  await hooks.start(source('long', { type: 'hmac', secret: 'k', algorithm: 'sha512', header: 'X-Signature' }));
  await hooks.start(source('shop', { type: 'hmac', secret: 'k', header: 'X-Shopify-Hmac-Sha256', encoding: 'base64' }));
  await hooks.start(source('stamped', { type: 'hmac', secret: 'k', timestampHeader: 'X-Signature-Timestamp', tolerance: '5m' }), now);
});
afterAll(() => hooks.close());
beforeEach(() => {
  hooks.reset();
  clock = Date.parse('2024-05-01T12:00:00Z');
});

const json = { 'content-type': 'application/json' };
const post = (name: string, headers: Record<string, string>, body = '{"ref":"main"}', query = '') =>
  hooks.request(`/hooks/${name}${query}`, { method: 'POST', headers: { ...json, ...headers }, body });
const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
const hmac = (algorithm: string, secret: string, message: string, encoding: 'hex' | 'base64' = 'hex') =>
  createHmac(algorithm, secret).update(message).digest(encoding);

/** The request was refused as unauthorized and nothing reached dispatch. */
function expectRefused(res: Awaited<ReturnType<typeof post>>, challenge: RegExp): void {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(challenge);
  expect(res.body?.['error']).toBe('SB_EVENT_UNAUTHORIZED');
  expect(hooks.dispatched).toEqual([]);
  expect(hooks.outcomes).toEqual(['unauthorized']);
}

describe('webhook auth: basic', () => {
  it('accepts the configured user name and password (UTF-8, colon in the password)', async () => {
    const res = await post('basic', basic('ops:pä55:word'));
    expect(res.status).toBe(202);
    expect(hooks.dispatched).toHaveLength(1);
    expect(hooks.outcomes).toEqual(['accepted']);
  });

  it.each([
    ['a wrong password', basic('ops:password')],
    ['a wrong user name', basic('root:pä55:word')],
    ['no password at all', basic('ops')],
    ['no Authorization header', {}],
    ['a bearer token instead', { authorization: 'Bearer pä55:word' }],
  ])('refuses %s with 401 and a Basic challenge, publishing nothing', async (_case, headers) => {
    expectRefused(await post('basic', headers), /^Basic realm="basic"/);
  });

  it('refuses before reading the body, closing the connection', async () => {
    // Announced at 10 MB and never sent: only a refusal from the headers can answer.
    const req = http.request(`${hooks.base}/hooks/basic`, { method: 'POST', headers: { ...json, ...basic('ops:nope'), 'content-length': '10000000' } });
    req.on('error', () => {});
    req.write('{"a":');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    req.destroy();
    expect(res.statusCode).toBe(401);
    expect(res.headers['connection']).toBe('close');
    expect(hooks.dispatched).toEqual([]);
  });
});

describe('webhook auth: bearer (http-webhook.md 3)', () => {
  it('accepts the token in the Authorization header', async () => {
    const res = await post('bearer', { authorization: 'Bearer mF_9.B5f-4.1JqM' });
    expect(res.status).toBe(202);
    expect(hooks.dispatched).toHaveLength(1);
  });

  it('accepts the token as the access_token query parameter, answering Cache-Control: private (3.2)', async () => {
    const res = await post('bearer', {}, '{}', '?p=q&access_token=mF_9.B5f-4.1JqM');
    expect(res.status).toBe(202);
    expect(res.headers.get('cache-control')).toBe('private');
    expect(hooks.dispatched).toHaveLength(1);
  });

  it('refuses a wrong token with 401 and error="invalid_token", publishing nothing', async () => {
    expectRefused(await post('bearer', { authorization: 'Bearer mF_9.B5f-4.1JqN' }), /^Bearer realm="bearer", error="invalid_token"$/);
  });

  it('refuses a prefix of the token', async () => {
    expectRefused(await post('bearer', { authorization: 'Bearer mF_9.B5f' }), /invalid_token/);
  });

  it('refuses a request without a token with a challenge that names no error (RFC 6750 3.1)', async () => {
    expectRefused(await post('bearer', {}), /^Bearer realm="bearer"$/);
  });

  it('refuses a token sent twice, in the header and the query', async () => {
    expectRefused(await post('bearer', { authorization: 'Bearer mF_9.B5f-4.1JqM' }, '{}', '?access_token=mF_9.B5f-4.1JqM'), /^Bearer/);
  });
});

describe('webhook auth: hmac', () => {
  it('accepts a GitHub-style sha256=<hex> signature of the exact body bytes', async () => {
    const body = '{ "zen" : "Keep it logically awesome. é" }';
    const res = await post('github', { 'x-hub-signature-256': `sha256=${hmac('sha256', 'It\'s a Secret to Everybody', body)}` }, body);
    expect(res.status).toBe(202);
    expect(hooks.dispatched).toEqual([expect.objectContaining({ data: { zen: 'Keep it logically awesome. é' } })]);
  });

  it('accepts a bare hex signature, in upper case too', async () => {
    const body = '{"a":1}';
    const res = await post('github', { 'x-hub-signature-256': hmac('sha256', 'It\'s a Secret to Everybody', body).toUpperCase() }, body);
    expect(res.status).toBe(202);
  });

  it('refuses a signature made with another secret', async () => {
    const body = '{"a":1}';
    expectRefused(await post('github', { 'x-hub-signature-256': `sha256=${hmac('sha256', 'guess', body)}` }, body), /^HMAC realm="github"$/);
  });

  it('refuses a body modified after signing', async () => {
    const signature = `sha256=${hmac('sha256', 'It\'s a Secret to Everybody', '{"amount":1}')}`;
    expectRefused(await post('github', { 'x-hub-signature-256': signature }, '{"amount":1000}'), /^HMAC/);
  });

  it.each([
    ['no signature header', {}],
    ['an empty signature', { 'x-hub-signature-256': 'sha256=' }],
    ['a truncated signature', { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc2' }],
    ['a signature that is not hex', { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }],
    ['a sha1 signature where sha256 is expected', { 'x-hub-signature-256': `sha1=${hmac('sha1', 'It\'s a Secret to Everybody', '{}')}` }],
  ])('refuses %s', async (_case, headers) => {
    expectRefused(await post('github', headers, '{}'), /^HMAC/);
  });

  it('checks sha1 in X-Hub-Signature by default for algorithm sha1', async () => {
    expect((await post('legacy', { 'x-hub-signature': `sha1=${hmac('sha1', 'k', '{}')}` }, '{}')).status).toBe(202);
    hooks.reset();
    expectRefused(await post('legacy', { 'x-hub-signature': `sha1=${hmac('sha1', 'other', '{}')}` }, '{}'), /^HMAC/);
  });

  it('checks sha512 in the configured header', async () => {
    expect((await post('long', { 'x-signature': hmac('sha512', 'k', '{}') }, '{}')).status).toBe(202);
    hooks.reset();
    expectRefused(await post('long', { 'x-signature': hmac('sha512', 'k', '{ }') }, '{}'), /^HMAC/);
  });

  it('reads base64 digests when the encoding says so', async () => {
    expect((await post('shop', { 'x-shopify-hmac-sha256': hmac('sha256', 'k', '{}', 'base64') }, '{}')).status).toBe(202);
    hooks.reset();
    expectRefused(await post('shop', { 'x-shopify-hmac-sha256': hmac('sha256', 'k', '{}') }, '{}'), /^HMAC/);
  });
});

describe('webhook auth: guessing', () => {
  it('answers 429 to an address after ten failed attempts, without checking its credentials, and lets it try again later', async () => {
    await hooks.start(source('guarded', { type: 'bearer', token: 'right-token' }), now);
    for (let i = 0; i < 10; i++) expect((await post('guarded', { authorization: 'Bearer guess' })).status).toBe(401);
    const blocked = await post('guarded', { authorization: 'Bearer right-token' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    clock += 2_000;
    expect((await post('guarded', { authorization: 'Bearer right-token' })).status).toBe(202);
  });
});

describe('webhook auth: hmac with a timestamp', () => {
  const body = '{"event":"ping"}';
  const stamped = (timestamp: number, signedTimestamp = timestamp) => ({
    'x-signature-timestamp': String(timestamp),
    'x-hub-signature-256': `sha256=${hmac('sha256', 'k', `${signedTimestamp}.${body}`)}`,
  });
  const seconds = () => Math.floor(clock / 1000);

  it('accepts a signature of "<timestamp>.<body>" sent within the tolerance', async () => {
    expect((await post('stamped', stamped(seconds() - 299), body)).status).toBe(202);
    expect((await post('stamped', stamped(seconds() + 60), body)).status).toBe(202);
    expect(hooks.outcomes).toEqual(['accepted', 'accepted']);
  });

  it('refuses a correctly signed request older than the tolerance', async () => {
    const res = await post('stamped', stamped(seconds() - 301), body);
    expectRefused(res, /^HMAC/);
    expect(res.body?.['message']).toMatch(/301s away from the appliance clock, more than the tolerance of 300s/);
  });

  it('refuses a captured request replayed once the tolerance has passed', async () => {
    const captured = stamped(seconds());
    expect((await post('stamped', captured, body)).status).toBe(202);
    clock += 6 * 60_000;
    hooks.reset();
    expectRefused(await post('stamped', captured, body), /^HMAC/);
  });

  it('refuses a captured request replayed inside the tolerance, once it was accepted', async () => {
    // Timestamps of their own: the source remembers what earlier tests sent.
    const captured = stamped(seconds() - 11);
    expect((await post('stamped', captured, body)).status).toBe(202);
    clock += 30_000;
    hooks.reset();
    const replay = await post('stamped', captured, body);
    expectRefused(replay, /^HMAC/);
    expect(replay.body?.['message']).toMatch(/replay/);
    expect((await post('stamped', stamped(seconds()), body)).status).toBe(202); // signed anew: fine
  });

  it('lets the sender retry the very same request after the bus refused it', async () => {
    const signed = stamped(seconds() - 17);
    hooks.store = async () => {
      throw new BusUnavailableError('down');
    };
    expect((await post('stamped', signed, body)).status).toBe(503);
    hooks.reset();
    expect((await post('stamped', signed, body)).status).toBe(202);
  });

  it('refuses a replay whose timestamp was freshened without re-signing', async () => {
    expectRefused(await post('stamped', stamped(seconds(), seconds() - 3600), body), /^HMAC/);
  });

  it('refuses a signature of the body alone, or a missing or malformed timestamp', async () => {
    const bodyOnly = { 'x-signature-timestamp': String(seconds()), 'x-hub-signature-256': `sha256=${hmac('sha256', 'k', body)}` };
    for (const headers of [bodyOnly, { 'x-hub-signature-256': stamped(seconds())['x-hub-signature-256'] }, { ...stamped(seconds()), 'x-signature-timestamp': '2024-05-01T12:00:00Z' }]) {
      hooks.reset();
      expectRefused(await post('stamped', headers, body), /^HMAC/);
    }
  });
});
