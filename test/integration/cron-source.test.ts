// The cron source on a real schedule. Two sources with the same name and schedule stand for
// two appliances on one NATS cluster: each publishes through its own connection and the
// real intake, and the EVENTS stream must hold each tick once.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCronSource, type CronConfig } from '../../sources/cron/index.js';
import type { Dispatch, SourceDeps } from '../../sources/source.js';
import type { Bus } from '../../src/bus/bus.js';
import { connectNatsBus } from '../../src/bus/nats-bus.js';
import { BusUnavailableError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { createDispatch } from '../../src/events/intake.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { eventually } from '../helpers/appliance.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

const everySecond: CronConfig = { name: 'heartbeat', type: 'cron', schedule: '* * * * * *', timezone: 'Pacific/Chatham', data: { check: 'backups' } };

function testDeps() {
  const outcomes: string[] = [];
  const logs: Array<{ msg: string; level: number; [key: string]: unknown }> = [];
  const deps: SourceDeps = {
    logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as { msg: string; level: number }) }),
    http: { route: () => {}, unroute: () => {} },
    countReceived: (outcome) => outcomes.push(outcome),
    countReconnect: () => {},
    countLost: () => {},
    checkpoints: () => Promise.reject(new Error('not used')),
  };
  return { deps, outcomes, logs };
}

describe('cron source with two appliances on one NATS cluster', () => {
  let server: TestNatsServer;
  const buses: Bus[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
    for (let i = 0; i < 2; i++) buses.push(await connectNatsBus({ servers: [server.url], logger: pino({ level: 'silent' }) }));
    await buses[0]!.ensureStream({
      name: 'EVENTS', subjects: ['events.>'], maxAgeMs: 600_000, maxBytes: -1, maxMessages: -1, duplicateWindowMs: 120_000, replicas: 1,
      retention: 'limits', discard: 'new',
    });
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await server?.stop();
  });

  it('stores each tick once, with an id and time aligned to its scheduled second', async () => {
    const appliances = buses.map((bus) => ({ ...testDeps(), dispatch: createDispatch(bus, 'heartbeat') }));
    const abort = new AbortController();
    const sources = appliances.map((a) => createCronSource(everySecond, a.deps));
    for (const [i, source] of sources.entries()) await source.start(appliances[i]!.dispatch, abort.signal);
    expect(sources.map((s) => s.health().state)).toEqual(['running', 'running']);
    await eventually(() => appliances.every((a) => a.outcomes.length >= 4), 15_000, 'four ticks in each appliance');
    abort.abort();
    await Promise.all(sources.map((s) => s.stopped));
    expect(sources.map((s) => s.health().state)).toEqual(['stopped', 'stopped']);

    const stored = (await buses[0]!.listMessages('EVENTS', 1, 1000)).map((m) => JSON.parse(new TextDecoder().decode(m.data)) as CloudEventRecord);
    const ids = stored.map((e) => e.id);
    expect(new Set(ids).size, `a tick stored twice: ${ids.join(', ')}`).toBe(ids.length);
    expect(stored.length).toBeGreaterThanOrEqual(4);
    for (const event of stored) {
      expect(event).toMatchObject({ source: '/switchboard/cron/heartbeat', type: 'com.switchboard.cron.tick', datacontenttype: 'application/json', data: { check: 'backups' } });
      expect(event.id).toMatch(/^heartbeat@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(event.id).toBe(`heartbeat@${event.time}`);
    }
    // Every tick both appliances produced was stored by one and recognised by the other.
    const outcomes = appliances.flatMap((a) => a.outcomes);
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(stored.length);
    expect(outcomes.filter((o) => o === 'duplicate').length).toBeGreaterThanOrEqual(3);
  });
});

describe('cron source while the bus is unavailable', () => {
  it('retries a tick until the bus takes it, under the same id, and says so once', async () => {
    const { deps, outcomes, logs } = testDeps();
    const attempts: string[] = [];
    const stored: CloudEventRecord[] = [];
    let failures = 3;
    const dispatch: Dispatch = async (candidate) => {
      const event = validateCloudEvent(candidate);
      attempts.push(event.id);
      if (failures > 0) {
        failures -= 1;
        throw new BusUnavailableError('JetStream did not acknowledge the publish');
      }
      stored.push(event);
      return { event, sequence: stored.length, duplicate: false };
    };
    const source = createCronSource(everySecond, deps, { backoff: { initialMs: 20, maxMs: 40 } });
    const abort = new AbortController();
    await source.start(dispatch, abort.signal);
    await eventually(() => stored.length >= 2, 10_000, 'two ticks stored');
    abort.abort();
    await source.stopped;
    // The first tick: three refusals, then stored — every attempt with the same id.
    expect(attempts.slice(0, 4)).toEqual([stored[0]!.id, stored[0]!.id, stored[0]!.id, stored[0]!.id]);
    expect(outcomes.slice(0, 2)).toEqual(['accepted', 'accepted']);
    expect(logs.filter((l) => l.msg === 'source degraded')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'source running')).toHaveLength(2);
  });

  it('gives a tick up when the next is due, counts each one lost, and logs the outage once', async () => {
    const { deps, outcomes, logs } = testDeps();
    let available = false;
    const stored: CloudEventRecord[] = [];
    const dispatch: Dispatch = async (candidate) => {
      const event = validateCloudEvent(candidate);
      if (!available) throw new BusUnavailableError('no responders');
      stored.push(event);
      return { event, sequence: stored.length, duplicate: false };
    };
    const source = createCronSource(everySecond, deps, { backoff: { initialMs: 50, maxMs: 200 } });
    const abort = new AbortController();
    await source.start(dispatch, abort.signal);
    await eventually(() => outcomes.filter((o) => o === 'unavailable').length >= 3, 10_000, 'three ticks lost');
    expect(source.health()).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/bus is unavailable/) });
    available = true;
    await eventually(() => stored.length >= 1, 10_000, 'a tick stored');
    abort.abort();
    await source.stopped;
    expect(logs.filter((l) => l.msg.startsWith('tick lost'))).toHaveLength(1);
    const summary = logs.find((l) => /tick\(s\) were lost/.test(l.msg));
    expect(summary?.['lost']).toBe(outcomes.filter((o) => o === 'unavailable').length);
  });
});
