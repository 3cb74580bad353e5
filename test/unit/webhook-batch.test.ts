import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../sources/source.js';
import { BusUnavailableError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { startWebhookHarness, type WebhookHarness } from '../helpers/webhook-harness.js';

// Batched content mode (http-protocol-binding.md 3.3, json-format.md 4): all stored or none.

let hooks: WebhookHarness;
beforeAll(async () => {
  hooks = await startWebhookHarness();
  await hooks.start({ name: 'ops', type: 'webhook', path: '/hooks/ops', maxBodySize: '4KiB', maxBatchEvents: 3 });
  await hooks.start({ name: 'signed', type: 'webhook', path: '/hooks/signed', auth: { type: 'hmac', secret: 'k' } });
});
afterAll(() => hooks.close());
beforeEach(() => hooks.reset());

const event = (id: string, extra: Record<string, unknown> = {}) =>
  ({ specversion: '1.0', id, source: '/mycontext', type: 'com.example.someevent', ...extra });
const batchType = { 'content-type': 'application/cloudevents-batch+json; charset=UTF-8' };
const send = (body: unknown, headers: Record<string, string> = batchType, path = '/hooks/ops') =>
  hooks.request(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** A bus that stores each (source, id) once, as JetStream's duplicate window does. */
function dedupingBus(failAt?: number) {
  const stored = new Map<string, CloudEventRecord>();
  let attempt = 0;
  const store = async (candidate: CloudEventRecord): Promise<StoredEvent> => {
    if (attempt++ === failAt) throw new BusUnavailableError('nats: timeout');
    const key = `${candidate.source} ${candidate.id}`;
    const duplicate = stored.has(key);
    if (!duplicate) stored.set(key, candidate);
    return { event: candidate, sequence: stored.size, duplicate };
  };
  return { stored, store };
}

describe('webhook batched content mode', () => {
  it('stores every event of the batch and answers 202 with the count', async () => {
    const batch = [event('a', { data: { n: 1 } }), event('b', { data_base64: 'AAH/', datacontenttype: 'application/octet-stream' }), event('c')];
    const res = await send(batch);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ count: 3, duplicates: 0 });
    expect(hooks.dispatched).toEqual(batch);
    expect(hooks.outcomes).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('counts the events the bus already held as duplicates', async () => {
    const bus = dedupingBus();
    hooks.store = bus.store;
    const res = await send([event('a'), event('a'), event('b')]);
    expect(res.body).toEqual({ count: 3, duplicates: 1 });
    expect(hooks.outcomes).toEqual(['accepted', 'duplicate', 'accepted']);
  });

  it('refuses the whole batch with 400 naming the invalid event, and dispatches none', async () => {
    const res = await send([event('a'), { specversion: '1.0', source: '/s', type: 't' }, event('c', { time: 'yesterday' })]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'SB_EVENT_INVALID',
      problems: [{ index: 1, message: 'id: required, missing' }, { index: 2, message: 'time: "yesterday" is not an RFC 3339 timestamp' }],
    });
    expect(res.body?.['message']).toMatch(/^2 of 3 events in the batch are invalid, so none was stored: #1 \(id: required, missing\)/);
    expect(hooks.dispatched).toEqual([]);
    expect(hooks.outcomes).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('refuses a batch holding something other than event objects', async () => {
    const res = await send([event('a'), 'b']);
    expect(res.status).toBe(400);
    expect(res.body?.['problems']).toEqual([{ index: 1, message: 'an event in a batch is a JSON object, got a string' }]);
    expect(hooks.dispatched).toEqual([]);
  });

  it('answers 503 for the whole batch when the bus fails midway, and a retry stores each event once', async () => {
    const bus = dedupingBus(1);
    hooks.store = bus.store;
    const batch = [event('a'), event('b'), event('c')];
    const first = await send(batch);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.body?.['error']).toBe('SB_BUS_UNAVAILABLE');
    expect(hooks.outcomes).toEqual(['accepted', 'unavailable', 'accepted']);
    expect([...bus.stored.keys()]).toEqual(['/mycontext a', '/mycontext c']);

    const retry = await send(batch);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ count: 3, duplicates: 2 });
    expect([...bus.stored.keys()].sort()).toEqual(['/mycontext a', '/mycontext b', '/mycontext c']);
  });

  it('accepts an empty batch with count 0 (json-format.md 4.3)', async () => {
    const res = await send([]);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ count: 0, duplicates: 0 });
    expect(hooks.dispatched).toEqual([]);
  });

  it('refuses more events than maxBatchEvents with 413, dispatching none', async () => {
    const res = await send([event('a'), event('b'), event('c'), event('d')]);
    expect(res.status).toBe(413);
    expect(res.body?.['message']).toMatch(/holds 4 events, more than this source's maxBatchEvents of 3/);
    expect(hooks.dispatched).toEqual([]);
    expect(hooks.outcomes).toEqual(['too_large']);
  });

  it('applies maxBodySize to the whole batch', async () => {
    const res = await send([event('a', { data: 'x'.repeat(5000) })]);
    expect(res.status).toBe(413);
    expect(hooks.dispatched).toEqual([]);
  });

  it.each([
    ['a body that is not an array', event('a'), 400, 'SB_EVENT_INVALID'],
    ['a body that is not JSON', '[{"id":', 400, 'SB_EVENT_MALFORMED'],
  ])('refuses %s', async (_case, body, status, code) => {
    const res = await send(body);
    expect(res.status).toBe(status);
    expect(res.body?.['error']).toBe(code);
    expect(hooks.dispatched).toEqual([]);
  });

  it('refuses a batch format other than JSON with 415', async () => {
    const res = await send('...', { 'content-type': 'application/cloudevents-batch+avro' });
    expect(res.status).toBe(415);
    expect(hooks.outcomes).toEqual(['unsupported']);
  });

  it('checks an HMAC over the whole batch body before reading any event', async () => {
    const body = JSON.stringify([event('a'), event('b')]);
    const signature = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;
    expect((await send(body, { ...batchType, 'x-hub-signature-256': signature }, '/hooks/signed')).status).toBe(202);
    const tampered = body.replace('"b"', '"evil"');
    expect((await send(tampered, { ...batchType, 'x-hub-signature-256': signature }, '/hooks/signed')).status).toBe(401);
    expect(hooks.dispatched.map((e) => e['id'])).toEqual(['a', 'b']);
  });
});
