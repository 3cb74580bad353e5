import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventCandidate, HttpHandler, HttpRoutes, Source, SourceDeps, StoredEvent } from '../../sources/source.js';
import { createWebhookSource } from '../../sources/webhook/index.js';
import type { WebhookConfig } from '../../sources/webhook/schema.js';
import { BusUnavailableError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';

// The appliance's shared listener, reduced to what a route needs; it also keeps each
// ServerResponse so a test can see whether the source has started answering.
class TestRoutes implements HttpRoutes {
  readonly handlers = new Map<string, HttpHandler>();
  readonly responses: ServerResponse[] = [];
  route(path: string, handler: HttpHandler): void {
    if (this.handlers.has(path)) throw new Error(`${path} is taken`);
    this.handlers.set(path, handler);
  }
  unroute(path: string): void {
    this.handlers.delete(path);
  }
}

const routes = new TestRoutes();
const server = http.createServer((req, res) => {
  const handler = routes.handlers.get(new URL(req.url ?? '/', 'http://x').pathname);
  if (!handler) return void res.writeHead(404).end();
  routes.responses.push(res);
  void handler(req, res);
});

let dispatched: EventCandidate[] = [];
let outcomes: string[] = [];
let logLines: string[] = [];
let store: (event: CloudEventRecord) => Promise<StoredEvent>;
const storeOk = async (event: CloudEventRecord): Promise<StoredEvent> => ({ event, sequence: dispatched.length, duplicate: false });

const deps: SourceDeps = {
  logger: pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) }),
  http: routes,
  countReceived: (outcome: string) => void outcomes.push(outcome),
  countReconnect: () => {},
  countLost: () => {},
  checkpoints: () => Promise.reject(new Error('a webhook keeps no checkpoints')),
};
const dispatch = (candidate: EventCandidate): Promise<StoredEvent> => {
  dispatched.push(candidate);
  return store(candidate as CloudEventRecord);
};

const config: WebhookConfig = {
  name: 'ops', type: 'webhook', path: '/hooks/ops', maxBodySize: '4KiB', copyHeaders: ['X-GitHub-Event', 'X-Request-Id'],
};
const lifetime = new AbortController();
let base = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await createWebhookSource(config, deps).start(dispatch, lifetime.signal);
  await createWebhookSource({ ...config, name: 'typed', path: '/hooks/typed', eventType: 'com.example.alert' }, deps)
    .start(dispatch, lifetime.signal);
  await createWebhookSource({ ...config, name: 'github', path: '/hooks/github', idHeader: 'X-GitHub-Delivery' }, deps)
    .start(dispatch, lifetime.signal);
});
afterAll(async () => {
  lifetime.abort();
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  dispatched = [];
  outcomes = [];
  logLines = [];
  store = storeOk;
});

const ceHeaders = { 'ce-specversion': '1.0', 'ce-id': 'A234-1234-1234', 'ce-source': '/mycontext', 'ce-type': 'com.example.someevent' };
const attributes = { specversion: '1.0', id: 'A234-1234-1234', source: '/mycontext', type: 'com.example.someevent' };

async function post(headers: Record<string, string>, body: RequestInit['body'], path = '/hooks/ops') {
  const res = await fetch(base + path, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('webhook source: binary content mode (http-protocol-binding.md 3.1)', () => {
  it('stores an event with JSON data and answers 202 with its id and source', async () => {
    const res = await post({ ...ceHeaders, 'content-type': 'application/json', 'ce-comexampleothervalue': '5' }, '{"vm":"web-01"}');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: 'A234-1234-1234', source: '/mycontext', duplicate: false });
    expect(dispatched).toEqual([{ ...attributes, comexampleothervalue: '5', datacontenttype: 'application/json', data: { vm: 'web-01' } }]);
    expect(outcomes).toEqual(['accepted']);
  });

  it('carries text data as a string and percent-decodes attribute headers', async () => {
    const res = await post({ ...ceHeaders, 'ce-subject': 'Euro%20%E2%82%AC%20%F0%9F%98%80', 'content-type': 'text/plain; charset=utf-8' }, 'hello');
    expect(res.status).toBe(202);
    expect(dispatched).toEqual([{ ...attributes, subject: 'Euro € 😀', datacontenttype: 'text/plain; charset=utf-8', data: 'hello' }]);
  });

  it('carries binary data as data_base64', async () => {
    const res = await post({ ...ceHeaders, 'content-type': 'application/vnd.apache.thrift.binary' }, new Uint8Array([0, 1, 255]));
    expect(res.status).toBe(202);
    expect(dispatched).toEqual([{ ...attributes, datacontenttype: 'application/vnd.apache.thrift.binary', data_base64: 'AAH/' }]);
  });

  it('refuses an event missing a required attribute with 400 and stores nothing', async () => {
    const { 'ce-source': _omitted, ...headers } = ceHeaders;
    const res = await post({ ...headers, 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'SB_EVENT_INVALID', message: 'source: required, missing' });
    expect(dispatched).toEqual([]);
    expect(outcomes).toEqual(['invalid']);
  });

  it('refuses a body that is not the JSON its Content-Type declares with 400 malformed', async () => {
    const res = await post({ ...ceHeaders, 'content-type': 'application/json' }, '{"vm":');
    expect(res.status).toBe(400);
    expect(res.body?.['error']).toBe('SB_EVENT_MALFORMED');
    expect(dispatched).toEqual([]);
    expect(outcomes).toEqual(['malformed']);
  });
});

describe('webhook source: structured content mode (http-protocol-binding.md 3.2)', () => {
  it('stores the event the body holds', async () => {
    const event = { ...attributes, time: '2018-04-05T17:31:00+02:00', comexampleextension1: 'value', datacontenttype: 'application/json', data: { a: 1 } };
    const res = await post({ 'content-type': 'application/cloudevents+json; charset=UTF-8' }, JSON.stringify(event));
    expect(res.status).toBe(202);
    expect(dispatched).toEqual([event]);
  });

  it('refuses an invalid event with 400 listing every problem, and stores nothing', async () => {
    const res = await post({ 'content-type': 'application/cloudevents+json' },
      JSON.stringify({ specversion: '1.0', source: '/s', type: 't', time: 'yesterday' }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'SB_EVENT_INVALID', message: 'id: required, missing; time: "yesterday" is not an RFC 3339 timestamp' });
    expect(dispatched).toEqual([]);
  });
});

describe('webhook source: plain JSON', () => {
  it('wraps the body in an event of its own, copying the configured headers into extensions', async () => {
    const before = Date.now();
    const res = await post({ 'content-type': 'application/json', 'x-github-event': 'push', 'x-request-id': 'r-1', 'x-other': 'no' }, '{"ref":"main"}');
    expect(res.status).toBe(202);
    const [event] = dispatched as Array<Record<string, unknown>>;
    expect(event).toEqual({
      specversion: '1.0', id: expect.stringMatching(/^[0-9a-f-]{36}$/), source: '/switchboard/webhook/ops',
      type: 'com.switchboard.webhook.ops', time: expect.any(String), datacontenttype: 'application/json',
      xgithubevent: 'push', xrequestid: 'r-1', data: { ref: 'main' },
    });
    expect(Date.parse(event!['time'] as string)).toBeGreaterThanOrEqual(before - 1);
    expect(res.body).toEqual({ id: event!['id'], source: '/switchboard/webhook/ops', duplicate: false });
  });

  it('wraps a body without Content-Type as JSON, with the configured eventType', async () => {
    // A Uint8Array body, because fetch labels a string body text/plain.
    expect((await post({}, Buffer.from('[1,2]'), '/hooks/typed')).status).toBe(202);
    expect(dispatched[0]).toMatchObject({ type: 'com.example.alert', source: '/switchboard/webhook/typed', data: [1, 2] });
  });

  it("takes the id of a wrapped event from the configured delivery header, so a sender's retry is the same event", async () => {
    const headers = { 'content-type': 'application/json', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };
    expect((await post(headers, '{"zen":"Keep it simple."}', '/hooks/github')).status).toBe(202);
    expect((await post(headers, '{"zen":"Keep it simple."}', '/hooks/github')).status).toBe(202);
    expect(dispatched.map((e) => (e as { id: string }).id)).toEqual(['72d3162e-cc78-11e3-81ab-4c9367dc0958', '72d3162e-cc78-11e3-81ab-4c9367dc0958']);
    // Without the header, a new id as before.
    expect((await post({ 'content-type': 'application/json' }, '{}', '/hooks/github')).status).toBe(202);
    expect((dispatched[2] as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/u);
  });

  it('refuses a body that is neither JSON nor a CloudEvent with 400 malformed', async () => {
    const res = await post({ 'content-type': 'application/json' }, 'not json');
    expect(res.status).toBe(400);
    expect(res.body?.['error']).toBe('SB_EVENT_MALFORMED');
    expect(outcomes).toEqual(['malformed']);
  });

  it('refuses a content type it cannot read with 415', async () => {
    const res = await post({ 'content-type': 'text/csv' }, 'a,b');
    expect(res.status).toBe(415);
    expect(dispatched).toEqual([]);
    expect(outcomes).toEqual(['unsupported']);
  });
});

describe('webhook source: limits and failures', () => {
  it('refuses a body whose Content-Length is over maxBodySize with 413 before reading it', async () => {
    // The body is announced at 10 MB and never sent: only an early refusal can answer.
    const req = http.request(`${base}/hooks/ops`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '10000000' } });
    req.on('error', () => {});
    req.write('{"a":');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    req.destroy();
    expect(res.statusCode).toBe(413);
    expect(res.headers['connection']).toBe('close');
    expect(dispatched).toEqual([]);
    expect(outcomes).toEqual(['too_large']);
  });

  it('stops reading a chunked body once it passes maxBodySize and answers 413', async () => {
    const req = http.request(`${base}/hooks/ops`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
    for (let i = 0; i < 5; i++) req.write('x'.repeat(1024)); // 5 KiB against 4 KiB, never ended
    const [res] = await response;
    req.destroy();
    expect(req.getHeader('content-length')).toBeUndefined();
    expect(res.statusCode).toBe(413);
    expect(dispatched).toEqual([]);
    expect(outcomes).toEqual(['too_large']);
  });

  it('answers 503 with Retry-After when the bus is unavailable', async () => {
    store = () => Promise.reject(new BusUnavailableError('nats://10.0.0.5:4222: connection refused'));
    const res = await post({ 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body?.['error']).toBe('SB_BUS_UNAVAILABLE');
    expect(JSON.stringify(res.body)).not.toContain('10.0.0.5');
    expect(outcomes).toEqual(['unavailable']);
  });

  it('answers 500 to an unexpected failure and logs it once', async () => {
    store = () => Promise.reject(new TypeError('boom'));
    const res = await post({ 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(500);
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({ source: 'ops', err: { message: 'boom' } });
    expect(outcomes).toEqual(['error']);
  });

  it('answers 202 with duplicate: true when the bus already held the event', async () => {
    store = async (event) => ({ event, sequence: 7, duplicate: true });
    const res = await post({ ...ceHeaders, 'content-type': 'application/json' }, '{}');
    expect(res.body).toEqual({ id: 'A234-1234-1234', source: '/mycontext', duplicate: true });
    expect(outcomes).toEqual(['duplicate']);
  });

  it('answers 405 with Allow: OPTIONS, POST to any other method', async () => {
    const res = await fetch(`${base}/hooks/ops`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('OPTIONS, POST');
    expect(dispatched).toEqual([]);
  });

  it('does not answer 202 before dispatch resolves', async () => {
    let release!: () => void;
    let called!: () => void;
    const dispatchCalled = new Promise<void>((resolve) => (called = resolve));
    store = (event) => {
      called();
      return new Promise((resolve) => (release = () => resolve({ event, sequence: 1, duplicate: false })));
    };
    let answered = false;
    const response = post({ 'content-type': 'application/json' }, '{}').finally(() => (answered = true));
    await dispatchCalled;
    await new Promise((resolve) => setImmediate(resolve));
    expect(routes.responses.at(-1)!.headersSent).toBe(false);
    expect(answered).toBe(false);
    release();
    expect((await response).status).toBe(202);
  });
});

describe('webhook source: lifecycle', () => {
  it('routes its path once started and unroutes it when its signal aborts', async () => {
    const controller = new AbortController();
    const source: Source = createWebhookSource({ ...config, name: 'brief', path: '/hooks/brief' }, deps);
    expect(source.health().state).toBe('starting');
    await source.start(dispatch, controller.signal);
    expect(source.health().state).toBe('running');
    expect((await post({ 'content-type': 'application/json' }, '{}', '/hooks/brief')).status).toBe(202);
    controller.abort();
    expect(source.health().state).toBe('stopped');
    expect((await fetch(`${base}/hooks/brief`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('reports itself degraded, saying why, when its path is already taken', async () => {
    const source = createWebhookSource({ ...config, name: 'clash' }, deps);
    await expect(source.start(dispatch, new AbortController().signal)).rejects.toThrow('/hooks/ops is taken');
    expect(source.health()).toEqual({ state: 'degraded', detail: 'cannot listen on /hooks/ops: /hooks/ops is taken' });
  });
});
