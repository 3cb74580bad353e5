// A real node:http server routing paths to webhook sources, with a fake dispatch that
// records what reached it and a store a test can make fail — for the webhook unit tests.

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { EventCandidate, HttpHandler, SourceDeps, StoredEvent } from '../../sources/source.js';
import { createWebhookSource } from '../../sources/webhook/index.js';
import type { WebhookConfig } from '../../sources/webhook/schema.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';

export interface WebhookReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
}

export interface WebhookHarness {
  readonly base: string;
  /** Every candidate handed to dispatch since the last reset, in call order. */
  readonly dispatched: EventCandidate[];
  /** Every countReceived outcome since the last reset. */
  readonly outcomes: string[];
  /** What dispatch does with a candidate; a test may replace it (reset restores it). */
  store: (event: CloudEventRecord, index: number) => Promise<StoredEvent>;
  /** Starts a webhook source on the server; `now` is its clock. */
  start(config: WebhookConfig, now?: () => number): Promise<void>;
  request(path: string, init: RequestInit): Promise<WebhookReply>;
  reset(): void;
  close(): void;
}

export const storeOk = async (event: CloudEventRecord, index: number): Promise<StoredEvent> => ({ event, sequence: index + 1, duplicate: false });

export async function startWebhookHarness(): Promise<WebhookHarness> {
  const handlers = new Map<string, HttpHandler>();
  const server = http.createServer((req, res) => {
    const handler = handlers.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!handler) return void res.writeHead(404).end();
    void handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const lifetime = new AbortController();
  const deps: SourceDeps = {
    logger: pino({ level: 'silent' }),
    http: {
      route: (path, handler) => {
        if (handlers.has(path)) throw new Error(`${path} is taken`);
        handlers.set(path, handler);
      },
      unroute: (path) => void handlers.delete(path),
    },
    countReceived: (outcome) => void harness.outcomes.push(outcome),
    countReconnect: () => {},
    countLost: () => {},
    checkpoints: () => Promise.reject(new Error('a webhook keeps no checkpoints')),
  };
  const harness: WebhookHarness = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dispatched: [],
    outcomes: [],
    store: storeOk,
    async start(config, now) {
      const dispatch = (candidate: EventCandidate): Promise<StoredEvent> => {
        harness.dispatched.push(candidate);
        return harness.store(candidate as CloudEventRecord, harness.dispatched.length - 1);
      };
      await createWebhookSource(config, deps, now).start(dispatch, lifetime.signal);
    },
    async request(path, init) {
      const res = await fetch(harness.base + path, init);
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    },
    reset() {
      harness.dispatched.length = 0;
      harness.outcomes.length = 0;
      harness.store = storeOk;
    },
    close() {
      lifetime.abort();
      server.closeAllConnections();
      server.close();
    },
  };
  return harness;
}
