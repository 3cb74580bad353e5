// `invocations show <id>` on a real nats-server: the record is found among thousands of
// others by the time in its UUIDv7 id — the stream is bisected to that time and read forward
// from there — so what it reads is what was stored while the invocation ran, not the stream.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { connectNatsBus } from '../../src/bus/nats-bus.js';
import type { BusConfig } from '../../src/config/types.js';
import { streamSpecs } from '../../src/events/streams.js';
import { invocationIdTime, newInvocationId } from '../../src/invocations/invocation-id.js';
import { publishInvocationRecord } from '../../src/invocations/invocation-log.js';
import { clockSkewAllowanceMs, showInvocation } from '../../src/invocations/invocation-query.js';
import { buildInvocationRecord, type InvocationRecord } from '../../src/invocations/record.js';
import { invocationsStream } from '../../src/invocations/subjects.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

const retention = { maxAgeMs: 3_600_000, maxBytes: -1, maxMessages: -1 };
const busConfig = { events: retention, deadLetter: retention, invocations: retention, duplicateWindowMs: 60_000, replicas: 1 } as unknown as BusConfig;

function record(invocationId: string, fn: string, eventId: string): InvocationRecord {
  return buildInvocationRecord({
    invocation: {
      invocationId, functionName: fn, subscription: `${fn}-sub`, attempt: 1, timeoutMs: 60_000,
      event: { specversion: '1.0', id: eventId, source: '/test', type: 'com.example.t' },
    },
    attempts: 1,
    startedAt: new Date(),
    outcome: { ok: true, result: null, durationMs: 1, output: { lines: [{ at: new Date().toISOString(), stream: 'log', level: 'info', msg: `working on ${eventId}` }], truncated: false } },
    publishedEvents: 0,
    action: 'acked',
  });
}

/**
 * Lets the clock pass the allowance for skew, so that what was stored before is outside the
 * lookup's window and the reads counted below do not depend on how fast this machine
 * published: the point is time passing, not waiting for something to happen.
 */
async function letAllowancePass(): Promise<void> {
  const until = Date.now() + clockSkewAllowanceMs + 10;
  while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, until - Date.now()));
}

/** `count` quick invocations, each stored as soon as its id is made. */
async function others(count: number, from: number): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) =>
      publishInvocationRecord(bus, record(newInvocationId(), 'busy', `evt-${from + i + k}`))));
  }
}

function counting(bus: Bus): { bus: Bus; reads: () => number } {
  let reads = 0;
  const counted = Object.create(bus) as Bus;
  counted.nextMessage = (...args) => { reads++; return bus.nextMessage(...args); };
  counted.lastMessage = (...args) => { reads++; return bus.lastMessage(...args); };
  counted.getMessage = (...args) => { reads++; return bus.getMessage(...args); };
  return { bus: counted, reads: () => reads };
}

let server: TestNatsServer;
let bus: Bus;
let slowId: string;
let quickId: string;
/** When each record was stored, by sequence. */
let stored: { sequence: number; time: number; invocationId: string }[];

/** Records a lookup must read to find `id`: those stored from its id's time (less the clock skew allowance) through its record. */
function needed(id: string): number {
  const from = invocationIdTime(id)! - clockSkewAllowanceMs;
  const at = stored.findIndex((m) => m.invocationId === id);
  return stored.slice(0, at + 1).filter((m) => m.time >= from).length;
}

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectNatsBus({ servers: [server.url], logger: pino({ level: 'silent' }) });
  for (const spec of streamSpecs(busConfig)) await bus.ensureStream(spec);
  await others(2_000, 0);
  await letAllowancePass();
  // A slow invocation: its id is made now, its record stored after 1,500 quicker ones.
  slowId = newInvocationId();
  await others(1_500, 2_000);
  await publishInvocationRecord(bus, record(slowId, 'slow', 'evt-slow'));
  await others(500, 3_500);
  await letAllowancePass();
  quickId = newInvocationId();
  await publishInvocationRecord(bus, record(quickId, 'quick', 'evt-quick'));
  await others(2_000, 4_000);
  stored = (await bus.listMessages(invocationsStream, 1, 10_000)).map((m) => ({
    sequence: m.sequence, time: m.time.getTime(), invocationId: (JSON.parse(Buffer.from(m.data).toString()) as InvocationRecord).invocationId,
  }));
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

describe('invocations show among many records', () => {
  it('finds a record among 6,000 by its id, reading what was stored while it ran and not the rest', async () => {
    expect((await bus.streamState(invocationsStream)).messages).toBe(6_002);
    const { bus: counted, reads } = counting(bus);
    expect(await showInvocation(counted, slowId)).toMatchObject({ invocationId: slowId, function: 'slow', eventId: 'evt-slow' });
    // Bisecting 6,002 sequences takes 13 reads; batches that double from 256 read under
    // twice what was needed, plus the first batch. None of the 2,000 stored before.
    expect(needed(slowId)).toBe(1_501);
    expect(reads()).toBeLessThan(13 + 2 * 1_501 + 256 + 2 * 16);
    expect(reads()).toBeLessThan(6_002 - 2_000);
  });

  it('finds a record stored right after its id, reading what was stored just before and since', async () => {
    const { bus: counted, reads } = counting(bus);
    const found = await showInvocation(counted, quickId);
    expect(found).toMatchObject({ invocationId: quickId, function: 'quick', eventId: 'evt-quick' });
    expect(found.output.lines.map((l) => l.msg)).toEqual(['working on evt-quick']);
    expect(needed(quickId)).toBe(1);
    expect(reads()).toBeLessThan(13 + 256 + 16);
  });

  it('does not take a record that only mentions the id for the record of that id', async () => {
    const id = newInvocationId();
    await publishInvocationRecord(bus, record(newInvocationId(), 'talker', id)); // the id as an event id
    await expect(showInvocation(bus, id)).rejects.toMatchObject({ code: 'SB_INVOCATION_NOT_FOUND' });
    await publishInvocationRecord(bus, record(id, 'talked-about', 'evt-x'));
    expect(await showInvocation(bus, id)).toMatchObject({ invocationId: id, function: 'talked-about' });
  });
});
