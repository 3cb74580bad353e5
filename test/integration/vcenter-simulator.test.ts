// The vCenter simulator against the wire contract (shared/contracts/vcenter-events-ws.md),
// checked with a raw `ws` client and plain fetch — nothing from the vcenter source — so the
// simulator and the source are two independent readings of the contract.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventClasses, startVcenterSimulator, type SimulatorOptions, type VcenterSimulator, type VsphereEvent } from '../../src/sim/vcenter/index.js';
import { cliPath, eventually } from '../helpers/appliance.js';

type Frame = { kind: string } & Record<string, unknown>;

const USER = 'administrator@vsphere.local';
const PASSWORD = 'VMware1!';
const basic = (user = USER, password = PASSWORD) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A raw client of the stream: records every frame, the close, or the HTTP refusal. */
class RawStream {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  refused: number | undefined;
  readonly ws: WebSocket;

  constructor(url: string, headers: Record<string, string>, autoPong: boolean, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, { headers, ...options });
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      if (frame.kind === 'ping' && autoPong) this.ws.send('{"kind":"pong"}');
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    this.ws.on('unexpected-response', (req, res) => {
      this.refused = res.statusCode;
      req.destroy();
    });
    this.ws.on('error', () => undefined);
  }

  /** The events of `event` and `batch` frames, in arrival order. */
  events(): VsphereEvent[] {
    return this.frames.flatMap((f) => (f.kind === 'event' ? [f.event as VsphereEvent] : f.kind === 'batch' ? (f.events as VsphereEvent[]) : []));
  }

  keys(): number[] {
    return this.events().map((e) => e.Key);
  }

  async hello(): Promise<Frame> {
    return eventually(() => this.frames.find((f) => f.kind === 'hello'), 10_000, 'the hello frame');
  }

  async closing(): Promise<{ code: number; reason: string }> {
    return eventually(() => this.closed, 10_000, 'the connection to close');
  }
}

const running: VcenterSimulator[] = [];
const clients: RawStream[] = [];

async function simulator(options: Partial<SimulatorOptions> = {}): Promise<VcenterSimulator> {
  const sim = await startVcenterSimulator({ rate: 0, seed: 11, ...options });
  running.push(sim);
  return sim;
}

function connect(sim: VcenterSimulator, how: { since?: string | number; session?: string; headers?: Record<string, string>; autoPong?: boolean; tls?: WebSocket.ClientOptions } = {}): RawStream {
  const url = `${sim.url.replace(/^http/u, 'ws')}/sdk/events/ws${how.since === undefined ? '' : `?since=${how.since}`}`;
  const headers = how.headers ?? (how.session ? { 'vmware-api-session-id': how.session } : { authorization: basic() });
  const client = new RawStream(url, headers, how.autoPong ?? true, how.tls);
  clients.push(client);
  return client;
}

async function login(sim: VcenterSimulator): Promise<string> {
  const res = await fetch(`${sim.url}/api/session`, { method: 'POST', headers: { authorization: basic() } });
  expect(res.status).toBe(201);
  const id: unknown = await res.json();
  expect(typeof id).toBe('string');
  return id as string;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

describe('vCenter simulator: authentication (contract section 1)', () => {
  it('creates a session for the right Basic credentials (201, a JSON string) and refuses wrong ones with 401', async () => {
    const sim = await simulator();
    const id = await login(sim);
    expect(id.length).toBeGreaterThanOrEqual(16);
    for (const authorization of [basic(USER, 'wrong'), basic('root', PASSWORD), 'Bearer x', '']) {
      const res = await fetch(`${sim.url}/api/session`, { method: 'POST', headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
    }
    expect(sim.sessionsCreated).toBe(1);
  });

  it('refuses an upgrade without valid credentials with HTTP 401 and opens no WebSocket', async () => {
    const sim = await simulator();
    const attempts = [
      connect(sim, { headers: {} }),
      connect(sim, { headers: { authorization: basic(USER, 'nope') } }),
      connect(sim, { session: 'not-a-session' }),
    ];
    for (const a of attempts) await eventually(() => a.refused, 10_000, 'the refusal');
    expect(attempts.map((a) => a.refused)).toEqual([401, 401, 401]);
    expect(attempts.every((a) => a.frames.length === 0)).toBe(true);
    expect(sim.connections).toBe(0);
  });

  it('opens the stream with a session id or with Basic credentials on the upgrade', async () => {
    const sim = await simulator();
    const bySession = connect(sim, { session: await login(sim) });
    const byBasic = connect(sim);
    await bySession.hello();
    await byBasic.hello();
    expect(sim.connections).toBe(2);
  });

  it('answers 404 off the stream path and 426 to a plain GET of it', async () => {
    const sim = await simulator();
    const elsewhere = connect(sim);
    const wrongPath = new RawStream(`${sim.url.replace('http', 'ws')}/sdk/other`, { authorization: basic() }, true);
    clients.push(wrongPath);
    await elsewhere.hello();
    expect(await eventually(() => wrongPath.refused, 10_000, 'the refusal')).toBe(404);
    expect((await fetch(`${sim.url}/sdk/events/ws`, { headers: { authorization: basic() } })).status).toBe(426);
  });
});

describe('vCenter simulator: the stream (contract section 2)', () => {
  it('sends hello first, with instanceUuid, apiVersion, oldestKey and latestKey', async () => {
    const sim = await simulator({ apiVersion: '8.0.2.0' });
    await sim.emit(5);
    const client = connect(sim, { since: 1 });
    await eventually(() => client.events().length === 5, 10_000, 'the replay');
    expect(client.frames[0]).toEqual({ kind: 'hello', instanceUuid: sim.instanceUuid, apiVersion: '8.0.2.0', oldestKey: sim.oldestKey, latestKey: sim.latestKey });
    expect(sim.instanceUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u);
  });

  it('without since, sends only events created after the connection opened', async () => {
    const sim = await simulator();
    const before = await sim.emit(10);
    const client = connect(sim);
    const hello = await client.hello();
    expect(hello.latestKey).toBe(before.at(-1)!.Key);
    const after = await sim.emit(3);
    await eventually(() => client.events().length >= 3, 10_000, 'the live events');
    expect(client.keys()).toEqual(after.map((e) => e.Key));
  });

  it('with since=K, replays every retained event with a Key above K in order, then continues live', async () => {
    const sim = await simulator();
    const emitted = await sim.emit(30);
    const since = emitted[9]!.Key;
    const client = connect(sim, { since });
    await eventually(() => client.events().length === 20, 10_000, 'the replay');
    const live = await sim.emit(4);
    await eventually(() => client.events().length === 24, 10_000, 'the live events');
    expect(client.keys()).toEqual([...emitted.slice(10), ...live].map((e) => e.Key));
    expect(client.events()).toEqual([...emitted.slice(10), ...live]); // the same objects, JSON-exact
    expect(client.frames.some((f) => f.kind === 'gap')).toBe(false);
    expect(sim.events()).toEqual([...emitted, ...live]); // the log keeps JSON and reads it back exactly
  });

  it('replays in batch frames of at most batchSize events; live events come one per frame, or batched when several are created at once', async () => {
    const sim = await simulator({ batchSize: 7 });
    await sim.emit(20);
    const client = connect(sim, { since: 1 });
    await eventually(() => client.events().length === 20, 10_000, 'the replay');
    await sim.emit(1);
    await sim.emit(3);
    await eventually(() => client.events().length === 24, 10_000, 'the live events');
    const shape = client.frames.filter((f) => f.kind !== 'hello').map((f) => (f.kind === 'batch' ? (f.events as unknown[]).length : f.kind));
    expect(shape).toEqual([7, 7, 6, 'event', 3]);
  });

  it('hands out keys above 2^31, strictly increasing and not contiguous', async () => {
    const sim = await simulator();
    const keys = (await sim.emit(500)).map((e) => e.Key);
    const steps = keys.slice(1).map((k, i) => k - keys[i]!);
    expect(keys[0]).toBeGreaterThan(2 ** 31);
    expect(keys.every((k) => Number.isSafeInteger(k))).toBe(true);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(1);
    expect(new Set(steps).size).toBeGreaterThan(1);
    expect(steps.filter((s) => s > 1).length).toBeGreaterThan(100);
    expect(sim.latestKey).toBe(keys.at(-1));
    // Created in one burst, yet each CreatedTime is later than the one before (microseconds).
    const times = sim.events().map((e) => e.CreatedTime);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });

  it('sends a gap when events after since were discarded, then replays what is retained', async () => {
    const sim = await simulator();
    const emitted = await sim.emit(10);
    expect(sim.forget(5)).toBe(5);
    expect(sim.oldestKey).toBe(emitted[5]!.Key);

    const behind = connect(sim, { since: emitted[2]!.Key });
    await eventually(() => behind.events().length === 5, 10_000, 'the replay after the gap');
    expect(behind.frames.slice(0, 2)).toEqual([
      expect.objectContaining({ kind: 'hello', oldestKey: emitted[5]!.Key }),
      { kind: 'gap', requestedSince: emitted[2]!.Key, oldestKey: emitted[5]!.Key },
    ]);
    expect(behind.keys()).toEqual(emitted.slice(5).map((e) => e.Key));

    // Resuming from the last discarded key loses nothing: no gap.
    const caughtUp = connect(sim, { since: emitted[4]!.Key });
    await eventually(() => caughtUp.events().length === 5, 10_000, 'the replay');
    expect(caughtUp.frames.some((f) => f.kind === 'gap')).toBe(false);
  });

  it('retains only the newest `retain` events, so a client from before them gets a gap', async () => {
    const sim = await simulator({ retain: 20 });
    const emitted = await sim.emit(50);
    expect(sim.events()).toEqual(emitted.slice(30));
    const client = connect(sim, { since: emitted[0]!.Key });
    await eventually(() => client.events().length === 20, 10_000, 'the replay');
    expect(client.frames[1]).toEqual({ kind: 'gap', requestedSince: emitted[0]!.Key, oldestKey: emitted[30]!.Key });

    // Nothing retained: oldestKey is the Key the next event gets, latestKey the last handed out.
    sim.forget(20);
    const [oldest, latest] = [sim.oldestKey, sim.latestKey];
    expect(oldest).toBeGreaterThan(latest);
    const empty = connect(sim, { since: emitted[45]!.Key });
    await eventually(() => empty.frames.length === 2, 10_000, 'hello and gap');
    expect(empty.frames[1]).toEqual({ kind: 'gap', requestedSince: emitted[45]!.Key, oldestKey: oldest });
    expect((await sim.emit(1))[0]!.Key).toBe(oldest);
  });

  it('pings, keeps a client that answers with pong, and closes one that does not', async () => {
    const sim = await simulator({ pingIntervalMs: 50, pongTimeoutMs: 500 });
    const answering = connect(sim);
    const silent = connect(sim, { autoPong: false });
    const closed = await silent.closing();
    expect(closed.code).toBe(1008);
    expect(silent.frames.filter((f) => f.kind === 'ping').length).toBeGreaterThanOrEqual(1);
    await eventually(() => answering.frames.filter((f) => f.kind === 'ping').length >= 6, 10_000, 'six pings');
    expect(answering.closed).toBeUndefined();
    expect(answering.frames.find((f) => f.kind === 'ping')).toEqual({ kind: 'ping', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/u) });
    expect(sim.connections).toBe(1);
  });

  it('closes with 4400 on a malformed since, without a hello', async () => {
    const sim = await simulator();
    await sim.emit(3);
    const malformed = ['abc', '0', '-5', '1.5', '', '1e3', '99999999999999999999'];
    const attempts = malformed.map((since) => connect(sim, { since: encodeURIComponent(since) }));
    for (const a of attempts) await a.closing();
    expect(attempts.map((a) => a.closed!.code)).toEqual(malformed.map(() => 4400));
    expect(attempts.every((a) => a.frames.length === 0)).toBe(true);
  });

  it('closes with 4400 when the client sends anything but a pong', async () => {
    const sim = await simulator();
    const client = connect(sim);
    await client.hello();
    client.ws.send('{"kind":"subscribe"}');
    expect((await client.closing()).code).toBe(4400);
  });
});

describe('vCenter simulator: faults on command', () => {
  it('dropConnections closes every stream with 1001, or cuts them without a close frame', async () => {
    const sim = await simulator();
    const a = connect(sim, { session: await login(sim) });
    const b = connect(sim);
    await a.hello();
    await b.hello();
    expect(sim.dropConnections()).toBe(2);
    expect([(await a.closing()).code, (await b.closing()).code]).toEqual([1001, 1001]);
    await eventually(() => sim.connections === 0, 10_000, 'no connections');

    const c = connect(sim);
    await c.hello();
    sim.dropConnections('abrupt');
    expect((await c.closing()).code).toBe(1006); // no close frame arrived
  });

  it('expireSessions closes the streams of sessions with 4001 and refuses their ids from then on', async () => {
    const sim = await simulator();
    const session = await login(sim);
    const bySession = connect(sim, { session });
    const byBasic = connect(sim);
    await bySession.hello();
    await byBasic.hello();
    expect(sim.expireSessions()).toBe(1);
    expect((await bySession.closing()).code).toBe(4001);
    const again = connect(sim, { session });
    expect(await eventually(() => again.refused, 10_000, 'the refusal')).toBe(401);
    expect(byBasic.closed).toBeUndefined();
    await connect(sim, { session: await login(sim) }).hello();
  });

  it('expires sessions after sessionTtlMs', async () => {
    const sim = await simulator({ sessionTtlMs: 300 });
    const session = await login(sim);
    const client = connect(sim, { session });
    await client.hello();
    expect((await client.closing()).code).toBe(4001);
    const again = connect(sim, { session });
    expect(await eventually(() => again.refused, 10_000, 'the refusal')).toBe(401);
  });

  it('drops every connection every dropEveryMs, going away or abruptly', async () => {
    const goingAway = await simulator({ dropEveryMs: 200 });
    const abrupt = await simulator({ dropEveryMs: 200, dropMode: 'abrupt' });
    const a = connect(goingAway);
    const b = connect(abrupt);
    expect((await a.closing()).code).toBe(1001);
    expect((await b.closing()).code).toBe(1006);
    expect(a.frames[0]?.kind).toBe('hello');
  });

  it('creates events by itself at the configured rate', async () => {
    const sim = await simulator({ rate: 50 });
    const client = connect(sim);
    await client.hello();
    await eventually(() => client.events().length >= 20, 10_000, 'events at 50/s');
    const keys = client.keys();
    expect(keys.slice(1).every((k, i) => k > keys[i]!)).toBe(true);
  });
});

describe('vCenter simulator: the events (contract section 3)', () => {
  const moRef = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { Type?: unknown }).Type === 'string' && typeof (v as { Value?: unknown }).Value === 'string';
  const argument = (v: unknown, kind: string) => v === null || (typeof (v as { Name?: unknown }).Name === 'string' && moRef((v as Record<string, unknown>)[kind]));
  const statuses = ['gray', 'green', 'yellow', 'red'];
  const vmClasses = ['VmPoweredOnEvent', 'VmPoweredOffEvent', 'VmCreatedEvent', 'VmRemovedEvent', 'DrsVmPoweredOnEvent', 'VmReconfiguredEvent'];

  /** What is wrong with one event's shape, or an empty list. */
  function shapeProblems(e: VsphereEvent): string[] {
    const p: string[] = [];
    const f = e as Record<string, unknown>;
    const check = (ok: boolean, what: string) => ok || p.push(`${e._typeName} ${e.Key}: ${what}`);
    check((eventClasses as readonly string[]).includes(e._typeName), 'a listed class');
    check(Number.isSafeInteger(e.Key) && e.Key > 2 ** 31, 'Key above 2^31');
    check(Number.isSafeInteger(e.ChainId) && e.ChainId <= e.Key, 'ChainId no later than Key');
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/u.test(e.CreatedTime) && !Number.isNaN(Date.parse(e.CreatedTime)), 'CreatedTime RFC 3339');
    check(typeof e.UserName === 'string' && typeof e.ChangeTag === 'string', 'UserName and ChangeTag strings');
    check(typeof e.FullFormattedMessage === 'string' && e.FullFormattedMessage.length > 0, 'a message');
    for (const [field, kind] of [['Datacenter', 'Datacenter'], ['ComputeResource', 'ComputeResource'], ['Host', 'Host'], ['Vm', 'Vm'], ['Ds', 'Datastore'], ['Net', 'Network'], ['Dvs', 'Dvs']] as const) {
      check(field in f && argument(f[field], kind), `${field} null or {Name, ${kind}: MoRef}`);
    }
    if (vmClasses.includes(e._typeName)) check(e.Vm !== null && e.Host !== null && e.Datacenter !== null && f.Template === false, 'Vm, Host, Datacenter, Template');
    switch (e._typeName) {
      case 'VmReconfiguredEvent': {
        const changes = f.ConfigChanges as Record<string, unknown>;
        check(typeof f.ConfigSpec === 'object' && f.ConfigSpec !== null, 'ConfigSpec');
        check(['Modified', 'Added', 'Deleted'].every((k) => typeof changes?.[k] === 'string') && Object.values(changes).some((v) => v !== ''), 'ConfigChanges');
        break;
      }
      case 'AlarmStatusChangedEvent':
        check(argument(f.Alarm, 'Alarm') && argument(f.Source, 'Entity') && argument(f.Entity, 'Entity'), 'Alarm, Source, Entity');
        check(statuses.includes(f.From as string) && statuses.includes(f.To as string) && f.From !== f.To, 'From and To statuses');
        break;
      case 'UserLoginSessionEvent':
        check(/^\d+\.\d+\.\d+\.\d+$/u.test(f.IpAddress as string) && e.UserName !== '', 'IpAddress and a user');
        check([f.UserAgent, f.Locale, f.SessionId].every((v) => typeof v === 'string' && v !== ''), 'UserAgent, Locale, SessionId');
        break;
      case 'EnteredMaintenanceModeEvent':
      case 'ExitMaintenanceModeEvent':
        check(e.Host !== null && e.Vm === null, 'Host set, no Vm');
        break;
      case 'EventEx':
        check(/^[a-z][\w.]+\.\w+$/iu.test(f.EventTypeId as string), 'EventTypeId');
        check(['info', 'warning', 'error', 'user'].includes(f.Severity as string) && typeof f.Message === 'string', 'Severity, Message');
        check(Array.isArray(f.Arguments) && (f.Arguments as Array<Record<string, unknown>>).every((a) => typeof a.Key === 'string' && 'Value' in a), 'Arguments');
        check([f.ObjectId, f.ObjectType, f.ObjectName].every((v) => typeof v === 'string' && v !== ''), 'ObjectId, ObjectType, ObjectName');
        break;
      case 'ExtendedEvent':
        check(typeof f.EventTypeId === 'string' && moRef(f.ManagedObject), 'EventTypeId, ManagedObject');
        check(Array.isArray(f.Data) && (f.Data as Array<Record<string, unknown>>).every((d) => typeof d.Key === 'string' && typeof d.Value === 'string'), 'Data');
        break;
    }
    return p;
  }

  it('produces every listed class over 2000 events, each with a valid shape', async () => {
    const sim = await simulator({ seed: 2024 });
    const events = await sim.emit(2000);
    const seen = new Set(events.map((e) => e._typeName));
    expect([...seen].sort()).toEqual([...eventClasses].sort());
    expect(events.flatMap(shapeProblems)).toEqual([]);
    // A mix, not a monotone stream: no class is more than a quarter of the events.
    const counts = events.reduce((m, e) => m.set(e._typeName, (m.get(e._typeName) ?? 0) + 1), new Map<string, number>());
    expect(Math.max(...counts.values())).toBeLessThan(500);
    // EventEx carries a spread of ids, the contract's example among them.
    const ids = new Set(events.filter((e) => e._typeName === 'EventEx').map((e) => (e as { EventTypeId?: string }).EventTypeId));
    expect(ids.has('com.vmware.vc.HA.ClusterFailoverActionCompletedEvent')).toBe(true);
    expect(ids.size).toBeGreaterThan(3);
  });

  it('keeps events consistent with each other: power states alternate, removed VMs stay gone, created VMs are new', async () => {
    const sim = await simulator({ seed: 99 });
    const events = await sim.emit(2000);
    const power = new Map<string, boolean>();
    const removed = new Set<string>();
    const seenVms = new Set<string>();
    const maintenance = new Map<string, boolean>();
    const problems: string[] = [];
    for (const e of events) {
      const vm = e.Vm?.Vm.Value;
      const host = e.Host?.Host.Value;
      if (vm && removed.has(vm)) problems.push(`${e.Key}: ${vm} appears after its removal`);
      if (e._typeName === 'VmCreatedEvent' && vm && seenVms.has(vm)) problems.push(`${e.Key}: ${vm} created twice`);
      if (vm) seenVms.add(vm);
      if (vm && /PoweredOn/u.test(e._typeName)) {
        if (power.get(vm) === true) problems.push(`${e.Key}: ${vm} powered on while on`);
        power.set(vm, true);
      }
      if (vm && e._typeName === 'VmPoweredOffEvent') {
        if (power.get(vm) === false) problems.push(`${e.Key}: ${vm} powered off while off`);
        power.set(vm, false);
      }
      if (vm && e._typeName === 'VmRemovedEvent') {
        if (power.get(vm) === true) problems.push(`${e.Key}: ${vm} removed while on`);
        removed.add(vm);
      }
      if (host && e._typeName === 'EnteredMaintenanceModeEvent') {
        if (maintenance.get(host) === true) problems.push(`${e.Key}: ${host} entered maintenance twice`);
        maintenance.set(host, true);
      } else if (host && e._typeName === 'ExitMaintenanceModeEvent') {
        if (maintenance.get(host) === false) problems.push(`${e.Key}: ${host} exited maintenance twice`);
        maintenance.set(host, false);
      } else if (host && vm && maintenance.get(host) === true && e._typeName !== 'VmRemovedEvent') {
        problems.push(`${e.Key}: ${vm} runs on ${host} in maintenance mode`);
      }
    }
    expect(problems).toEqual([]);
    expect(events.some((e) => /^prod-web-\d\d$/u.test(e.Vm?.Name ?? ''))).toBe(true);
  });

  it('generates the same inventory, events and keys for the same seed', async () => {
    const strip = (events: VsphereEvent[]) => events.map(({ CreatedTime: _time, ...rest }) => ({ ...rest, SessionId: undefined }));
    const a = await simulator({ seed: 5 });
    const b = await simulator({ seed: 5 });
    expect(a.instanceUuid).toBe(b.instanceUuid);
    expect(strip(await a.emit(300))).toEqual(strip(await b.emit(300)));
  });
});

describe('vCenter simulator: TLS', () => {
  it('serves https and wss with the given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const sim = await simulator({ tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/u);
      const client = connect(sim, { tls: { ca: cert } });
      await client.hello();
      const live = await sim.emit(2);
      await eventually(() => client.events().length === 2, 10_000, 'events over wss');
      expect(client.keys()).toEqual(live.map((e) => e.Key));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('switchboard sim vcenter', () => {
  it('starts, prints its URL and credentials, serves events at its rate, and stops on SIGTERM', async () => {
    const child = execa(process.execPath, [cliPath, 'sim', 'vcenter', '--port', '0', '--rate', '20', '--seed', '3', '--first-key', '3000000000'], { reject: false });
    try {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += String(chunk)));
      const started = await eventually(
        () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => typeof l.url === 'string'),
        20_000,
        'the start line',
      );
      expect(started).toMatchObject({ username: USER, password: PASSWORD });
      const url = started.url as string;
      const res = await fetch(`${url}/api/session`, { method: 'POST', headers: { authorization: basic() } });
      expect(res.status).toBe(201);
      const client = new RawStream(`${url.replace('http', 'ws')}/sdk/events/ws`, { 'vmware-api-session-id': (await res.json()) as string }, true);
      clients.push(client);
      await eventually(() => client.events().length >= 5, 10_000, 'events at 20/s');
      expect(client.keys()[0]).toBeGreaterThanOrEqual(3_000_000_000);
      await eventually(() => out.includes('"stream opened"'), 10_000, 'the connection log line');
      child.kill('SIGTERM');
      const result = await child;
      expect(result.exitCode).toBe(0);
      expect((await client.closing()).code).toBe(1001);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a malformed flag with a message and exit status 1', async () => {
    const result = await execa(process.execPath, [cliPath, 'sim', 'vcenter', '--rate', 'fast'], { reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('--rate');
  });
});
