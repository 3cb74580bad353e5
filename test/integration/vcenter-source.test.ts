// The vcenter source against a fake server that speaks the contract
// (/work/shared/contracts/vcenter-events-ws.md), written here from the contract alone, with
// a dispatch that stores into memory (deduplicating by source and id, as the bus does) and
// an in-memory checkpoint bucket. End-to-end runs against the simulator live elsewhere.

import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventCandidate, SourceDeps, StoredEvent } from '../../sources/source.js';
import { formatCheckpoint, parseCheckpoint } from '../../sources/vcenter/checkpoint.js';
import { createVcenterSource, type VcenterConfig, type VcenterSource, type VcenterTuning } from '../../sources/vcenter/index.js';
import type { KeyValue } from '../../src/bus/bus.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { BusUnavailableError, InvalidEventError } from '../../src/errors.js';
import { baseEvent, everyClass } from '../helpers/vcenter-samples.js';

// ---------------------------------------------------------------------------------------
// A contract server: sessions (section 1), the stream with since/replay/gap/ping (2).

type VEvent = Record<string, unknown> & { Key: number; _typeName: string };

interface FakeOptions {
  readonly instanceUuid?: string;
  readonly autoPong?: boolean;
  readonly tls?: { readonly key: string; readonly cert: string };
}

interface ServerConnection {
  readonly ws: WebSocket;
  readonly since: number | undefined;
  readonly headers: IncomingMessage['headers'];
  pongs: number;
  closedWith?: number;
}

class FakeVcenter {
  readonly instanceUuid: string;
  username = 'administrator@vsphere.local';
  password = 'VMware1!';
  readonly sessions = new Set<string>();
  logins = 0;
  readonly loginTimes: number[] = [];
  refusedUpgrades = 0;
  readonly connections: ServerConnection[] = [];
  /** Retained events, in Key order. */
  retained: VEvent[] = [];
  /** Highest key no longer retained (a retention window passed it). */
  droppedUpTo = 0;
  nextKey = 3_000_000_000;
  /** Answer every upgrade by closing with this code right after hello (e.g. 4400). */
  closeAfterHello: number | undefined;
  /** Send an event before hello, breaking the contract. */
  eventBeforeHello = false;
  readonly #http: http.Server;
  readonly #wss: WebSocketServer;
  readonly #scheme: 'http' | 'https';
  url = '';

  constructor(options: FakeOptions = {}) {
    this.instanceUuid = options.instanceUuid ?? 'c5c1-instance-a';
    // autoPong false: a server that has gone silent (half-open TCP) answers no WebSocket ping.
    this.#wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
    const handler = (req: IncomingMessage, res: http.ServerResponse) => this.#request(req, res);
    this.#http = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
    this.#scheme = options.tls ? 'https' : 'http';
    this.#http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  async listen(): Promise<this> {
    this.#http.listen(0, '127.0.0.1');
    await once(this.#http, 'listening');
    this.url = `${this.#scheme}://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    this.#http.closeAllConnections();
    await new Promise((r) => this.#http.close(r));
  }

  get open(): ServerConnection[] {
    return this.connections.filter((c) => c.ws.readyState === c.ws.OPEN);
  }

  get latest(): ServerConnection | undefined {
    return this.connections.at(-1);
  }

  /** New events of the given classes (keys grow, skipping some), sent live to open connections. */
  emit(count: number, make: (key: number) => VEvent = (key) => baseEvent('VmPoweredOffEvent', key)): VEvent[] {
    const events: VEvent[] = [];
    for (let i = 0; i < count; i++) {
      this.nextKey += 1 + (i % 3); // vCenter skips keys
      events.push(make(this.nextKey));
    }
    this.retained.push(...events);
    for (const c of this.open) for (const e of events) c.ws.send(JSON.stringify({ kind: 'event', event: e }));
    return events;
  }

  /** New events sent live as one batch frame. */
  emitBatch(count: number): VEvent[] {
    const events: VEvent[] = [];
    for (let i = 0; i < count; i++) events.push(baseEvent('VmCreatedEvent', (this.nextKey += 2)));
    this.retained.push(...events);
    for (const c of this.open) c.ws.send(JSON.stringify({ kind: 'batch', events }));
    return events;
  }

  /** Stores events without sending them: they happened while nobody listened. */
  emitUnheard(count: number): VEvent[] {
    const open = this.open;
    for (const c of open) this.connections.splice(this.connections.indexOf(c), 1);
    const events = this.emit(count);
    this.connections.push(...open);
    return events;
  }

  /** The retention window passes the `count` oldest retained events. */
  dropOldest(count: number): void {
    const dropped = this.retained.splice(0, count);
    this.droppedUpTo = Math.max(this.droppedUpTo, ...dropped.map((e) => e.Key));
  }

  send(frame: unknown, connection = this.latest): void {
    connection?.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  closeAll(code: number, reason = ''): void {
    for (const c of this.open) c.ws.close(code, reason);
  }

  /** The TCP connection drops: no close frame. */
  dropAll(): void {
    for (const c of this.open) c.ws.terminate();
  }

  expireSessions(): void {
    this.sessions.clear();
    this.closeAll(4001, 'session expired');
  }

  #basicOk(header: string | undefined): boolean {
    return header === `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
  }

  #request(req: IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'POST' && req.url === '/api/session') {
      this.logins += 1;
      this.loginTimes.push(performance.now());
      if (!this.#basicOk(req.headers.authorization)) return void res.writeHead(401).end();
      const id = `sess-${this.logins}-${Math.random().toString(16).slice(2)}`;
      this.sessions.add(id);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(id));
      return;
    }
    res.writeHead(404).end();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that hangs up on a refused upgrade resets the socket: expected, not a failure.
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://x');
    const session = req.headers['vmware-api-session-id'];
    const authorized = (typeof session === 'string' && this.sessions.has(session)) || this.#basicOk(req.headers.authorization);
    if (url.pathname !== '/sdk/events/ws' || !authorized) {
      this.refusedUpgrades += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const sinceText = url.searchParams.get('since');
    const since = sinceText === null ? undefined : Number(sinceText);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connected(ws, since, req.headers));
  }

  #connected(ws: WebSocket, since: number | undefined, headers: IncomingMessage['headers']): void {
    const connection: ServerConnection = { ws, since, headers, pongs: 0 };
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).kind === 'pong') connection.pongs += 1;
    });
    ws.on('close', (code) => (connection.closedWith = code));
    if (this.eventBeforeHello) ws.send(JSON.stringify({ kind: 'event', event: baseEvent('VmPoweredOnEvent', (this.nextKey += 1)) }));
    ws.send(JSON.stringify({
      kind: 'hello', instanceUuid: this.instanceUuid, apiVersion: '8.0.3.0',
      oldestKey: this.retained[0]?.Key ?? 0, latestKey: this.retained.at(-1)?.Key ?? 0,
    }));
    if (this.closeAfterHello !== undefined) {
      ws.close(this.closeAfterHello, 'since is not a key');
    } else if (since !== undefined) {
      const oldest = this.retained[0]?.Key;
      if (this.droppedUpTo > since && oldest !== undefined) ws.send(JSON.stringify({ kind: 'gap', requestedSince: since, oldestKey: oldest }));
      const replay = this.retained.filter((e) => e.Key > since);
      if (replay.length > 0) ws.send(JSON.stringify({ kind: 'batch', events: replay }));
    }
    this.connections.push(connection);
  }
}

// ---------------------------------------------------------------------------------------
// The bus side: a dispatch that stores by (source, id) like JetStream, and a KV bucket.

class MemoryBus {
  /** Stored events by id, in store order. */
  readonly stored = new Map<string, CloudEventRecord>();
  readonly storeOrder: string[] = [];
  down = false;
  /** Ids the intake refuses as invalid (standing for any event it cannot accept). */
  readonly refuse = new Set<string>();
  /** When set, each store waits for this to resolve. */
  hold: Promise<void> | undefined;

  inFlight = 0;
  maxInFlight = 0;

  readonly dispatch = async (candidate: EventCandidate): Promise<StoredEvent> => {
    const event = validateCloudEvent(candidate);
    if (this.refuse.has(event.id)) throw new InvalidEventError(`event ${event.id} refused by the test`);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.#store(event);
    } finally {
      this.inFlight -= 1;
    }
  };

  async #store(event: CloudEventRecord): Promise<StoredEvent> {
    await new Promise((r) => setImmediate(r));
    if (this.hold) await this.hold;
    if (this.down) throw new BusUnavailableError('JetStream did not acknowledge the publish');
    const key = `${event.source}\u0000${event.id}`;
    const duplicate = this.stored.has(key);
    if (!duplicate) {
      this.stored.set(key, event);
      this.storeOrder.push(event.id);
    }
    return { event, sequence: this.stored.size, duplicate };
  }

  ids(type?: string): string[] {
    return [...this.stored.values()].filter((e) => type === undefined || e.type === type).map((e) => e.id);
  }
}

class MemoryKeyValue implements KeyValue {
  readonly values = new Map<string, string>();
  readonly puts: string[] = [];
  async get(key: string) {
    return this.values.get(key);
  }
  async put(key: string, value: string) {
    this.puts.push(value);
    this.values.set(key, value);
  }
}

async function waitFor(check: () => unknown, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Harness {
  readonly server: FakeVcenter;
  readonly bus: MemoryBus;
  readonly kv: MemoryKeyValue;
  readonly outcomes: string[];
  readonly logs: Array<Record<string, unknown>>;
  lost: number[];
  reconnects: number;
  source: VcenterSource;
  abort: AbortController;
  start(overrides?: Partial<VcenterConfig>, tuning?: Partial<VcenterTuning>): Promise<void>;
  stop(): Promise<void>;
}

const running: Harness[] = [];

async function harness(server?: FakeVcenter, shared?: { bus: MemoryBus; kv: MemoryKeyValue }): Promise<Harness> {
  const h: Harness = {
    server: server ?? (await new FakeVcenter().listen()),
    bus: shared?.bus ?? new MemoryBus(),
    kv: shared?.kv ?? new MemoryKeyValue(),
    outcomes: [],
    logs: [],
    lost: [],
    reconnects: 0,
    source: undefined as unknown as VcenterSource,
    abort: new AbortController(),
    async start(overrides = {}, tuning = {}) {
      const deps: SourceDeps = {
        logger: pino({ level: 'debug' }, { write: (line: string) => void h.logs.push(JSON.parse(line)) }),
        http: { route: () => {}, unroute: () => {} },
        countReceived: (outcome) => void h.outcomes.push(outcome),
        countReconnect: () => void (h.reconnects += 1),
        countLost: (n) => void h.lost.push(n),
        checkpoints: async () => h.kv,
      };
      const config: VcenterConfig = {
        name: 'vc-lab', type: 'vcenter', url: h.server.url, username: h.server.username, password: 'VMware1!', ...overrides,
      };
      h.source = createVcenterSource(config, deps, {
        backoff: { initialMs: 5, maxMs: 40 }, checkpointFlushMs: 10, idleMs: 60_000, stableMs: 100, ...tuning,
      });
      h.abort = new AbortController();
      await h.source.start(h.bus.dispatch, h.abort.signal);
    },
    async stop() {
      h.abort.abort();
      await h.source.stopped;
    },
  };
  running.push(h);
  return h;
}

afterEach(async () => {
  for (const h of running.splice(0)) {
    if (h.source) await h.stop();
    await h.server.close();
  }
});

const keys = (events: readonly VEvent[]) => events.map((e) => String(e.Key));
const storedKey = (h: Harness) => parseCheckpoint(h.kv.values.get('vc-lab') ?? '')?.key;
const isRunning = (h: Harness) => h.source.health().state === 'running';
const messages = (h: Harness, level?: number) => h.logs.filter((l) => level === undefined || l['level'] === level).map((l) => String(l['msg']));

async function runningHarness(overrides: Partial<VcenterConfig> = {}): Promise<Harness> {
  const h = await harness();
  await h.start(overrides);
  await waitFor(() => isRunning(h) && h.server.open.length === 1, 'the source to connect');
  return h;
}

describe('vcenter source: authentication (contract section 1)', () => {
  it('logs in for a session and opens the stream with vmware-api-session-id', async () => {
    const h = await runningHarness();
    expect(h.server.logins).toBe(1);
    const session = h.server.latest!.headers['vmware-api-session-id'];
    expect(h.server.sessions.has(String(session))).toBe(true);
    expect(h.server.latest!.headers.authorization).toBeUndefined();
    const events = h.server.emit(3);
    await waitFor(() => h.bus.stored.size === 3, 'three events stored');
    expect(h.bus.ids()).toEqual(keys(events));
  });

  it('sends basic credentials with the upgrade and never logs in with auth: basic', async () => {
    const h = await runningHarness({ auth: 'basic' });
    expect(h.server.logins).toBe(0);
    expect(h.server.latest!.headers.authorization).toBe(`Basic ${Buffer.from('administrator@vsphere.local:VMware1!').toString('base64')}`);
    h.server.emit(2);
    await waitFor(() => h.bus.stored.size === 2, 'two events stored');
  });

  it('stays degraded while the password is refused, retrying with backoff and warning once, then runs when it is fixed', async () => {
    const h = await harness();
    h.server.password = 'changed-in-vcenter';
    await h.start();
    expect(h.source.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/credentials refused/) });
    await waitFor(() => h.server.logins >= 4, 'several login attempts');
    expect(h.reconnects).toBeGreaterThanOrEqual(3);
    expect(messages(h, 40).filter((m) => m.includes('degraded'))).toHaveLength(1);
    h.server.password = 'VMware1!';
    await waitFor(() => isRunning(h), 'the source to run once the password matches');
  });

  it('stays degraded while basic credentials are refused at the upgrade', async () => {
    const h = await harness();
    h.server.password = 'other';
    await h.start({ auth: 'basic' });
    await waitFor(() => h.server.refusedUpgrades >= 3, 'several refused upgrades');
    expect(h.source.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/credentials refused/) });
  });
});

describe('vcenter source: the stream (contract section 2)', () => {
  it('publishes every class as the CloudEvent contract section 4 describes', async () => {
    const h = await runningHarness();
    const events = h.server.emit(12, (() => {
      const samples = everyClass(0);
      let i = 0;
      return (key: number) => ({ ...samples[i++]!, Key: key });
    })());
    await waitFor(() => h.bus.stored.size === 12, 'all twelve stored');
    const eventEx = [...h.bus.stored.values()].find((e) => e['eventclass'] === 'eventex')!;
    expect(eventEx).toMatchObject({
      id: String(events[10]!.Key), source: h.server.url, vsphereapiversion: '8.0.3.0',
      type: 'com.vmware.vsphere.com.vmware.vc.HA.ClusterFailoverActionCompletedEvent.v0',
    });
    expect(Number(eventEx.id)).toBeGreaterThan(2 ** 31);
    expect(h.outcomes.filter((o) => o === 'accepted')).toHaveLength(12);
  });

  it('answers ping with pong', async () => {
    const h = await runningHarness();
    h.server.send({ kind: 'ping', time: new Date().toISOString() });
    h.server.send({ kind: 'ping', time: new Date().toISOString() });
    await waitFor(() => h.server.latest!.pongs === 2, 'two pongs');
  });

  it('publishes a batch in Key order', async () => {
    const h = await runningHarness();
    const events = h.server.emitBatch(40);
    await waitFor(() => h.bus.stored.size === 40, 'the batch stored');
    expect(h.bus.storeOrder).toEqual(keys(events));
  });

  it('skips an event whose Key is not greater than the last one seen', async () => {
    const h = await runningHarness();
    const [first, second] = h.server.emit(2);
    h.server.send({ kind: 'event', event: first });
    h.server.send({ kind: 'batch', events: [second, first] });
    const [third] = h.server.emit(1);
    await waitFor(() => h.bus.stored.has(`${h.server.url}\u0000${third!.Key}`), 'the third event stored');
    expect(h.bus.storeOrder).toEqual(keys([first!, second!, third!]));
    expect(h.outcomes.filter((o) => o === 'duplicate')).toHaveLength(3);
  });

  it('counts malformed frames and events, and goes on', async () => {
    const h = await runningHarness();
    h.server.send('not json');
    h.server.send({ kind: 'event', event: { _typeName: 'VmPoweredOffEvent', Key: 'x' } });
    h.server.send({ kind: 'batch', events: [{ Key: 5 }, 7] });
    h.server.send({ kind: 'future-kind', detail: 1 });
    const [event] = h.server.emit(1);
    await waitFor(() => h.bus.stored.size === 1, 'the good event stored');
    expect(h.bus.ids()).toEqual([String(event!.Key)]);
    expect(h.outcomes.filter((o) => o === 'malformed')).toHaveLength(4);
    expect(isRunning(h)).toBe(true);
  });

  it.each([
    ['the server going away (1001)', (s: FakeVcenter) => s.closeAll(1001, 'restarting')],
    ['a normal close (1000)', (s: FakeVcenter) => s.closeAll(1000)],
    ['an abrupt drop', (s: FakeVcenter) => s.dropAll()],
  ])('resumes with since after %s and loses nothing', async (_what, drop) => {
    const h = await runningHarness();
    const before = h.server.emit(5);
    await waitFor(() => h.bus.stored.size === 5, 'the first events stored');
    drop(h.server);
    const during = h.server.emitUnheard(4);
    await waitFor(() => h.server.connections.length === 2 && h.bus.stored.size === 9, 'the reconnect and replay');
    expect(h.server.latest!.since).toBe(before.at(-1)!.Key);
    expect(h.bus.ids()).toEqual(keys([...before, ...during]));
    expect(h.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('logs in again after 4001 and resumes with since', async () => {
    const h = await runningHarness();
    const firstSession = h.server.latest!.headers['vmware-api-session-id'];
    const before = h.server.emit(3);
    await waitFor(() => h.bus.stored.size === 3, 'the first events stored');
    h.server.expireSessions();
    const during = h.server.emitUnheard(2);
    await waitFor(() => h.server.open.length === 1 && h.bus.stored.size === 5, 'a new session and the replay');
    expect(h.server.logins).toBe(2);
    expect(h.server.latest!.headers['vmware-api-session-id']).not.toBe(firstSession);
    expect(h.server.latest!.since).toBe(before.at(-1)!.Key);
    expect(h.bus.ids()).toEqual(keys([...before, ...during]));
  });

  it('reports 4400 as an error naming since, and retries with backoff instead of spinning', async () => {
    const h = await runningHarness();
    const [event] = h.server.emit(1);
    await waitFor(() => storedKey(h) === event!.Key, 'the checkpoint');
    h.server.closeAfterHello = 4400;
    h.server.closeAll(1001);
    await waitFor(() => h.server.connections.length >= 4, 'a few retries');
    expect(h.source.health()).toMatchObject({ state: 'degraded', detail: expect.stringContaining(`since=${event!.Key}`) });
    const errors = h.logs.filter((l) => l['level'] === 50 && String(l['detail']).includes('4400'));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThan(h.server.connections.length - 1);
    h.server.closeAfterHello = undefined;
    await waitFor(() => isRunning(h), 'running again once the server accepts');
  });
});

describe('vcenter source: gaps', () => {
  it('surfaces an exceeded retention window with a log line, the lost count and its own event, and goes on', async () => {
    const h = await runningHarness();
    const before = h.server.emit(3);
    await waitFor(() => h.bus.stored.size === 3, 'the first events stored');
    h.server.dropAll();
    h.server.emitUnheard(10);
    h.server.dropOldest(3 + 6); // the three stored and six unheard fall out of retention
    const kept = h.server.retained;
    await waitFor(() => h.bus.ids('com.vmware.vsphere.VmPoweredOffEvent.v0').length === 7, 'the retained events stored');
    const gaps = [...h.bus.stored.values()].filter((e) => e.type === 'com.switchboard.vcenter.gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      source: h.server.url,
      data: { requestedSince: before.at(-1)!.Key, oldestKey: kept[0]!.Key, instanceUuid: h.server.instanceUuid },
    });
    expect(h.lost).toEqual([kept[0]!.Key - before.at(-1)!.Key - 1]);
    expect(h.logs.some((l) => l['level'] === 50 && l['requestedSince'] === before.at(-1)!.Key && l['oldestKey'] === kept[0]!.Key)).toBe(true);
    expect(h.bus.ids().filter((id) => /^[0-9]+$/.test(id))).toEqual(keys([...before, ...kept]));
  });
});

describe('vcenter source: publishing and the checkpoint', () => {
  it('writes the checkpoint only after the bus stored the event', async () => {
    const h = await runningHarness();
    let release!: () => void;
    h.bus.hold = new Promise((r) => (release = r));
    const [event] = h.server.emit(1);
    await new Promise((r) => setTimeout(r, 50)); // longer than the flush interval: a write would show
    expect(h.kv.puts).toEqual([]);
    expect(h.bus.stored.size).toBe(0);
    release();
    await waitFor(() => storedKey(h) === event!.Key, 'the checkpoint after the store');
    expect(parseCheckpoint(h.kv.values.get('vc-lab')!)).toEqual({ instanceUuid: h.server.instanceUuid, key: event!.Key });
  });

  it('pipelines stores within a bounded window and keeps Key order under load', async () => {
    const h = await harness();
    await h.start({}, { maxInFlight: 8, highWater: 32 });
    await waitFor(() => isRunning(h), 'running');
    const events = [...h.server.emitBatch(1500), ...h.server.emit(500)];
    await waitFor(() => h.bus.stored.size === 2000, 'all stored', 20_000);
    expect(h.bus.storeOrder).toEqual(keys(events));
    expect(h.bus.maxInFlight).toBeGreaterThan(1);
    expect(h.bus.maxInFlight).toBeLessThanOrEqual(8);
    await waitFor(() => storedKey(h) === events.at(-1)!.Key, 'the checkpoint at the last event');
  });

  it('skips an event the intake refuses, counting it, and moves the checkpoint past it', async () => {
    const h = await runningHarness();
    const before = h.server.emit(3);
    const refusedKey = (h.server.nextKey += 1);
    h.bus.refuse.add(String(refusedKey));
    h.server.send({ kind: 'event', event: baseEvent('VmPoweredOnEvent', refusedKey) });
    const after = h.server.emit(1);
    await waitFor(() => storedKey(h) === after[0]!.Key, 'the checkpoint past the refused event');
    expect(h.outcomes.filter((o) => o === 'invalid')).toHaveLength(1);
    expect(h.bus.ids()).toEqual(keys([...before, ...after]));
    expect(h.logs.some((l) => l['level'] === 50 && l['key'] === refusedKey)).toBe(true);
  });

  it('keeps an event whose CreatedTime is not RFC 3339, without a time, rather than losing it', async () => {
    const h = await runningHarness();
    const oddKey = (h.server.nextKey += 1);
    h.server.send({ kind: 'event', event: baseEvent('VmPoweredOnEvent', oddKey, { CreatedTime: 'yesterday' }) });
    await waitFor(() => h.bus.ids().includes(String(oddKey)), 'the event stored');
    const stored = [...h.bus.stored.values()].find((e) => e.id === String(oddKey))!;
    expect(stored.time).toBeUndefined();
    expect((stored.data as { CreatedTime: string }).CreatedTime).toBe('yesterday');
  });

  it('stops reading while the bus is unavailable, then resumes with since and loses nothing', async () => {
    const h = await runningHarness();
    const before = h.server.emit(4);
    await waitFor(() => h.bus.stored.size === 4, 'the first events stored');
    h.bus.down = true;
    const during = h.server.emit(6);
    await waitFor(() => h.source.health().state === 'degraded', 'degraded while the bus is down');
    expect(h.source.health().detail).toMatch(/event bus unavailable/);
    expect(h.outcomes).toContain('unavailable');
    await waitFor(() => h.server.connections.length >= 2, 'a reconnect attempt');
    h.bus.down = false;
    const after = h.server.emit(2);
    await waitFor(() => h.bus.stored.size === 12, 'everything stored');
    expect(h.bus.ids()).toEqual(keys([...before, ...during, ...after]));
    expect(h.server.latest!.since).toBe(before.at(-1)!.Key);
    await waitFor(() => storedKey(h) === after.at(-1)!.Key, 'the checkpoint at the last event');
  });

  it('resumes after a restart from the stored checkpoint: nothing lost, nothing published twice', async () => {
    const first = await runningHarness();
    const before = first.server.emit(5);
    await waitFor(() => storedKey(first) === before.at(-1)!.Key, 'the checkpoint');
    await first.stop();
    expect(first.source.health().state).toBe('stopped');
    await waitFor(() => first.server.latest!.closedWith === 1000, 'a normal close on stop');
    const during = first.server.emitUnheard(3);
    const second = await harness(first.server, { bus: first.bus, kv: first.kv });
    await second.start();
    await waitFor(() => second.bus.stored.size === 8, 'the replay after the restart');
    expect(second.server.latest!.since).toBe(before.at(-1)!.Key);
    expect(second.outcomes.filter((o) => o === 'duplicate')).toHaveLength(0);
    expect(second.bus.ids()).toEqual(keys([...before, ...during]));
  });

  it('with start: now ignores the stored checkpoint but still writes its own', async () => {
    const h = await harness();
    h.kv.values.set('vc-lab', formatCheckpoint({ instanceUuid: h.server.instanceUuid, key: 42 }));
    h.server.emitUnheard(3);
    await h.start({ start: 'now' });
    await waitFor(() => isRunning(h) && h.server.open.length === 1, 'the connection');
    expect(h.server.latest!.since).toBeUndefined();
    const [event] = h.server.emit(1);
    await waitFor(() => storedKey(h) === event!.Key, 'its own checkpoint');
    expect(h.bus.stored.size).toBe(1);
  });

  it('with start: checkpoint resumes from the stored key, and without one starts live', async () => {
    const h = await harness();
    const old = h.server.emitUnheard(4);
    h.kv.values.set('vc-lab', formatCheckpoint({ instanceUuid: h.server.instanceUuid, key: old[1]!.Key }));
    await h.start();
    await waitFor(() => h.bus.stored.size === 2, 'the replay');
    expect(h.server.latest!.since).toBe(old[1]!.Key);
    expect(h.bus.ids()).toEqual(keys(old.slice(2)));

    const fresh = await harness();
    fresh.server.emitUnheard(2);
    await fresh.start();
    await waitFor(() => isRunning(fresh), 'the fresh source');
    expect(fresh.server.latest!.since).toBeUndefined();
  });

  it('warns when the checkpoint belongs to another vCenter instance and goes on live', async () => {
    const h = await harness();
    h.kv.values.set('vc-lab', formatCheckpoint({ instanceUuid: 'a-replaced-instance', key: 9 }));
    await h.start();
    await waitFor(() => isRunning(h), 'running');
    expect(messages(h, 40).some((m) => m.includes('instance changed'))).toBe(true);
    const [event] = h.server.emit(1);
    await waitFor(() => storedKey(h) === event!.Key, 'a checkpoint of the new instance');
    expect(parseCheckpoint(h.kv.values.get('vc-lab')!)?.instanceUuid).toBe(h.server.instanceUuid);
    h.server.dropAll();
    await waitFor(() => h.server.connections.length === 2 && isRunning(h), 'the reconnect');
    expect(h.server.latest!.since).toBe(event!.Key);
  });

  it('starts without waiting for a vCenter that is down, and is degraded', async () => {
    const h = await harness();
    const url = h.server.url;
    await h.server.close();
    await h.start({ url });
    expect(h.source.health().state).toBe('degraded');
    expect(h.source.health().detail).toMatch(/cannot log in/);
  });
});

describe('vcenter source: reconnecting', () => {
  it('waits longer after each failed attempt, and starts again from the shortest wait once connected', async () => {
    const h = await harness();
    h.server.password = 'wrong';
    // random 1: every wait is the ceiling, 40 ms · 2^n
    await h.start({}, { backoff: { initialMs: 40, maxMs: 5_000 }, random: () => 1 });
    await waitFor(() => h.server.logins >= 5, 'five login attempts');
    const t = h.server.loginTimes;
    const waits = t.slice(1, 5).map((time, i) => time - t[i]!);
    [40, 80, 160, 320].forEach((ceiling, i) => expect(waits[i]).toBeGreaterThanOrEqual(ceiling - 2));
    h.server.password = 'VMware1!';
    await waitFor(() => isRunning(h), 'running with the right password', 15_000);
    const dropped = performance.now();
    h.server.dropAll();
    await waitFor(() => h.server.connections.length === 2, 'the reconnect');
    // Reset: about 40 ms, where the next wait without a reset would have been 1280 ms.
    expect(performance.now() - dropped).toBeLessThan(1_000);
  });

  it('drops a connection on which nothing arrives, not even a pong, and reconnects', async () => {
    const server = await new FakeVcenter({ autoPong: false }).listen();
    const h = await harness(server);
    await h.start({}, { idleMs: 30 });
    await waitFor(() => server.connections.length >= 2, 'a reconnect after the silence');
    expect(server.connections[0]!.closedWith).toBe(1006);
  });

  it('keeps a quiet connection that answers WebSocket pings', async () => {
    const h = await harness();
    await h.start({}, { idleMs: 20 });
    await waitFor(() => isRunning(h), 'running');
    await new Promise((r) => setTimeout(r, 200)); // ten idle periods: the connection must survive them
    expect(h.server.connections).toHaveLength(1);
  });

  it('closes a stream that does not begin with hello (1002) and publishes nothing from it', async () => {
    const h = await harness();
    h.server.eventBeforeHello = true;
    await h.start();
    await waitFor(() => h.server.connections[0]?.closedWith === 1002, 'the protocol close');
    expect(h.source.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/broke the stream contract/) });
    expect(h.bus.stored.size).toBe(0);
  });
});

describe('vcenter source: TLS', () => {
  let dir = '';
  let tls: { key: string; cert: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vcenter-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts the CA in caFile for the login and the stream', async () => {
    const h = await harness(await new FakeVcenter({ tls }).listen());
    await h.start({ caFile: join(dir, 'cert.pem') });
    await waitFor(() => isRunning(h), 'running over TLS');
    expect(h.server.url).toMatch(/^https:/);
    h.server.emit(2);
    await waitFor(() => h.bus.stored.size === 2, 'events over wss');
  });

  it('refuses a certificate it cannot verify', async () => {
    const h = await harness(await new FakeVcenter({ tls }).listen());
    await h.start({ auth: 'basic' });
    expect(h.source.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/certificate/) });
    expect(h.server.connections).toHaveLength(0);
  });

  it('accepts any certificate with insecureTLS, and warns once', async () => {
    const h = await harness(await new FakeVcenter({ tls }).listen());
    await h.start({ insecureTLS: true });
    await waitFor(() => isRunning(h), 'running over TLS');
    expect(messages(h, 40).filter((m) => m.includes('insecureTLS'))).toHaveLength(1);
  });

  it('does not start with a caFile it cannot read', async () => {
    const h = await harness(await new FakeVcenter({ tls }).listen());
    await expect(h.start({ caFile: join(dir, 'missing.pem') })).rejects.toThrow(/caFile/);
    expect(h.source.health().state).toBe('degraded');
  });
});
