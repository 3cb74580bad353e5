// The invocation record queries on a real nats-server: newest first, the function,
// subscription and failure filters applied by the server and the event filter on the records
// read, a short list never reading the whole stream, and records past the retention limit
// gone (oldest first).

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { connectNatsBus } from '../../src/bus/nats-bus.js';
import type { BusConfig } from '../../src/config/types.js';
import { streamSpecs } from '../../src/events/streams.js';
import { newInvocationId } from '../../src/invocations/invocation-id.js';
import { publishInvocationRecord } from '../../src/invocations/invocation-log.js';
import { listInvocations, showInvocation } from '../../src/invocations/invocation-query.js';
import { buildInvocationRecord, type InvocationRecord } from '../../src/invocations/record.js';
import { invocationsStream } from '../../src/invocations/subjects.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

const retention = { maxAgeMs: 3_600_000, maxBytes: -1, maxMessages: -1 };
const busConfig = (invocations: BusConfig['invocations']) =>
  ({ events: retention, deadLetter: retention, invocations, duplicateWindowMs: 60_000, replicas: 1 }) as unknown as BusConfig;

/** Record i's invocation id, made when it is first asked for (UUIDv7s hold their time). */
const idOf = new Map<number, string>();
const inv = (i: number) => idOf.get(i) ?? idOf.set(i, newInvocationId()).get(i)!;

function record(i: number, fn: string, ok: boolean): InvocationRecord {
  return buildInvocationRecord({
    invocation: {
      invocationId: inv(i), functionName: fn, subscription: `${fn}-sub`, attempt: 1, timeoutMs: 1000,
      event: { specversion: '1.0', id: `evt-${i}`, source: '/test', type: 'com.example.t' },
    },
    attempts: 3,
    startedAt: new Date(1_700_000_000_000 + i),
    outcome: ok ? { ok: true, result: null, durationMs: 1 } : { ok: false, error: { code: 'SB_FUNCTION_FAILED', message: `no ${i}` }, durationMs: 1 },
    publishedEvents: 0,
    action: ok ? 'acked' : 'retry',
    retryDelayMs: 1000,
  });
}

/** Counts the requests a query makes, to show it reads only what it returns. */
function counting(bus: Bus): { bus: Bus; reads: () => number } {
  let reads = 0;
  const counted = Object.create(bus) as Bus;
  counted.nextMessage = (...args) => { reads++; return bus.nextMessage(...args); };
  counted.lastMessage = (...args) => { reads++; return bus.lastMessage(...args); };
  return { bus: counted, reads: () => reads };
}

let server: TestNatsServer;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectNatsBus({ servers: [server.url], logger: pino({ level: 'silent' }) });
  for (const spec of streamSpecs(busConfig(retention))) await bus.ensureStream(spec);
  // 400 records: "rare" every 97th (failing every other time), the rest "common", 1 in 10 failing.
  for (let i = 1; i <= 400; i++) {
    const rare = i % 97 === 0;
    await publishInvocationRecord(bus, rare ? record(i, 'rare', i % 2 === 0) : record(i, 'common', i % 10 !== 0));
  }
});

afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

const ids = (list: { invocations: readonly InvocationRecord[] }) => list.invocations.map((r) => r.invocationId);
const invs = (...numbers: number[]) => numbers.map(inv);

describe('invocation records on the bus', () => {
  it('lists the newest first, reading only about as many as it returns', async () => {
    const { bus: counted, reads } = counting(bus);
    const newest = await listInvocations(counted, {}, 20);
    expect(ids(newest)).toEqual(Array.from({ length: 20 }, (_, k) => inv(400 - k)));
    expect(newest).toMatchObject({ scanned: 20, scanLimitReached: false });
    expect(reads()).toBeLessThanOrEqual(22);
  });

  it('narrows by function on the server, walking back through the stream for rare ones', async () => {
    const { bus: counted, reads } = counting(bus);
    const rare = await listInvocations(counted, { function: 'rare' }, 20);
    expect(ids(rare)).toEqual(invs(388, 291, 194, 97));
    expect(reads()).toBeLessThan(40);
  });

  it('narrows by failure, subscription and event id', async () => {
    expect(ids(await listInvocations(bus, { function: 'rare', failed: true }, 20))).toEqual(invs(291, 97));
    const failed = await listInvocations(bus, { failed: true }, 5);
    expect(ids(failed)).toEqual(invs(400, 390, 380, 370, 360));
    expect(failed.invocations.every((r) => r.outcome === 'failed' && r.error?.code === 'SB_FUNCTION_FAILED')).toBe(true);
    expect(ids(await listInvocations(bus, { subscription: 'rare-sub' }, 2))).toEqual(invs(388, 291));
    expect(ids(await listInvocations(bus, { eventId: 'evt-123' }))).toEqual(invs(123));
    expect(ids(await listInvocations(bus, { eventId: 'evt-194', function: 'rare' }))).toEqual(invs(194));
    expect(ids(await listInvocations(bus, { eventId: 'evt-194', function: 'common' }))).toEqual([]);
    expect(await listInvocations(bus, { function: 'nobody' })).toEqual({ invocations: [], scanned: 0, scanLimitReached: false });
  });

  it('reads no more records than its scan limit for an event filter, and says when it stopped there', async () => {
    const { bus: counted, reads } = counting(bus);
    const stopped = await listInvocations(counted, { eventId: 'evt-3' }, 20, 100);
    expect(stopped).toEqual({ invocations: [], scanned: 100, scanLimitReached: true });
    expect(reads()).toBeLessThan(100 + 10);
    const found = await listInvocations(bus, { eventId: 'evt-350' }, 20, 100);
    expect(ids(found)).toEqual(invs(350));
    expect(found.scanLimitReached).toBe(true);
    expect(await listInvocations(bus, { eventId: 'evt-3' }, 20, 400)).toMatchObject({ scanned: 400, scanLimitReached: false });
    expect(ids(await listInvocations(bus, { eventId: 'evt-3' }, 20, 400))).toEqual(invs(3));
  });

  it('shows one record by its invocation id, and says SB_INVOCATION_NOT_FOUND for an unknown one', async () => {
    expect(await showInvocation(bus, inv(7))).toMatchObject({ invocationId: inv(7), function: 'common', eventId: 'evt-7', action: 'acked' });
    await expect(showInvocation(bus, newInvocationId())).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    await expect(showInvocation(bus, newInvocationId(Date.now() - 3_600_000))).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    await expect(showInvocation(bus, 'inv-nope')).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    await expect(showInvocation(bus, '*')).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
  });

  it('drops the oldest records when the retention limit is reached', async () => {
    await bus.ensureStream(streamSpecs(busConfig({ ...retention, maxMessages: 50 })).find((s) => s.name === invocationsStream)!);
    await publishInvocationRecord(bus, record(401, 'common', true));
    const state = await bus.streamState(invocationsStream);
    expect(state.messages).toBe(50);
    await expect(showInvocation(bus, inv(97))).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    expect(await showInvocation(bus, inv(388))).toMatchObject({ invocationId: inv(388) });
    expect(ids(await listInvocations(bus, { function: 'rare' }))).toEqual(invs(388));
    expect(ids(await listInvocations(bus, {}, 100))).toHaveLength(50);
  });
});
