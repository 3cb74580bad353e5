// Invocation records end to end: events POSTed to a running appliance, functions that log,
// fail and retry, then `switchboard invocations list|show` and GET /invocations show each
// invocation with its attempt, outcome, error, what the router did and what it logged.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddedToken } from '../../src/bus/embedded-token.js';
import { invocationIdTime } from '../../src/invocations/invocation-id.js';
import type { InvocationRecord, InvocationSummary } from '../../src/invocations/record.js';
import { createFixture, eventually, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';

let fixture: ApplianceFixture;
let appliance: RunningAppliance;

beforeAll(async () => {
  fixture = await createFixture({
    functions: {
      'greeter.mjs': `export default async function (event, context) {
  context.log.info({ vm: event.data.vm }, 'greeting ' + event.data.vm);
  console.warn('careful with', event.data.vm);
  process.stdout.write('raw stdout line\\n');
  return { specversion: '1.0', type: 'com.example.greeted', data: { vm: event.data.vm } };
}
`,
      'flaky.mjs': `export default async function (event, context) {
  context.log.info('attempt ' + context.attempt);
  if (context.attempt < 2) throw new Error('not yet: attempt ' + context.attempt);
  return 'ok';
}
`,
      'doomed.mjs': `export default async function () {
  console.error('about to fail');
  throw new Error('the ticketing API said no');
}
`,
    },
    bus: 'retention:\n  invocations: { maxAge: 2d, maxBytes: 64MiB }',
    yamlBody: `
sources:
  - name: tests
    type: webhook
    path: /webhooks/test
subscriptions:
  - name: greet
    function: greeter
    filters: [ { exact: { type: com.example.greet } } ]
  - name: flaky
    function: flaky
    filters: [ { exact: { type: com.example.flaky } } ]
    retry: { attempts: 3, backoff: linear, delay: 200ms, maxDelay: 1s }
  - name: doomed
    function: doomed
    filters: [ { exact: { type: com.example.doomed } } ]
    retry: { attempts: 1 }
`,
  });
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.killGroup();
  await fixture?.cleanup();
});

async function post(type: string, data: unknown = {}): Promise<string> {
  const id = randomUUID();
  const res = await fetch(`${fixture.baseUrl}/webhooks/test`, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/tests', 'ce-type': type, 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  expect(res.status).toBe(202);
  return id;
}

async function cli(...args: string[]) {
  return runCli(['invocations', ...args, '--config', fixture.configFile]);
}

async function cliList(...args: string[]): Promise<InvocationSummary[]> {
  const result = await cli('list', '--json', ...args);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as InvocationSummary[];
}

/** Wait until the invocations of `eventId` recorded reach `count`; oldest first. */
async function recorded(eventId: string, count: number): Promise<InvocationSummary[]> {
  const found = await eventually(async () => {
    const list = await cliList('--event', eventId);
    return list.length >= count && list;
  }, 30_000, `${count} invocation record(s) of event ${eventId}`);
  return [...found].reverse();
}

describe('invocation records', () => {
  it('keeps a succeeded invocation with its context.log, console and raw stdout lines and the events it published', async () => {
    const eventId = await post('com.example.greet', { vm: 'web-01' });
    const [summary] = await recorded(eventId, 1);
    expect(summary).toMatchObject({
      function: 'greeter', subscription: 'greet', eventId, eventType: 'com.example.greet', eventSource: '/tests',
      attempt: 1, attempts: 3, outcome: 'succeeded', action: 'acked', publishedEvents: 1,
    });
    expect(summary!.error).toBeUndefined();
    // A UUIDv7 holding when the invocation started: what `show` finds its record by.
    expect(invocationIdTime(summary!.invocationId)).toBeGreaterThanOrEqual(Date.parse(summary!.startedAt) - 1_000);
    expect(invocationIdTime(summary!.invocationId)).toBeLessThanOrEqual(Date.parse(summary!.startedAt));

    const show = await cli('show', summary!.invocationId, '--json');
    expect(show.exitCode, show.stderr).toBe(0);
    const record = JSON.parse(show.stdout) as InvocationRecord;
    expect(record.output.truncated).toBe(false);
    const said = record.output.lines.map((l) => `${l.stream} ${l.level} ${l.msg}`);
    expect(said).toContain('log info greeting web-01');
    expect(said).toContain('log warn careful with web-01');
    // Raw stdout travels its own pipe, not the IPC channel, and is captured all the same.
    expect(said).toContain('stdout info raw stdout line');
    expect(Date.parse(record.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(record.durationMs).toBeGreaterThan(0);

    const human = await cli('show', summary!.invocationId);
    expect(human.stdout).toContain('greeting web-01');
    expect(human.stdout).toContain('outcome      succeeded');
  });

  it('keeps every attempt of a retried invocation: the failure with its error and retry delay, then the success', async () => {
    const eventId = await post('com.example.flaky');
    const [first, second] = await recorded(eventId, 2);
    expect(first).toMatchObject({
      function: 'flaky', attempt: 1, outcome: 'failed', action: 'retry', retryDelayMs: 200,
      error: { code: 'SB_FUNCTION_FAILED', message: expect.stringContaining('not yet: attempt 1') },
    });
    expect(second).toMatchObject({ function: 'flaky', attempt: 2, outcome: 'succeeded', action: 'acked' });
    expect(first!.invocationId).not.toBe(second!.invocationId);

    const failed = JSON.parse((await cli('show', first!.invocationId, '--json')).stdout) as InvocationRecord;
    expect(failed.output.lines.map((l) => l.msg)).toEqual(['attempt 1']);
    expect(failed.error?.stack).toContain('not yet: attempt 1');

    const human = await cli('list', '--function', 'flaky');
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^STARTED\s+INVOCATION\s+FUNCTION/);
    expect(human.stdout).toContain(first!.invocationId);
    expect(human.stdout).toContain('retry in 200ms');
  });

  it('filters by function, subscription and failure, newest first, with a limit', async () => {
    const doomedEvent = await post('com.example.doomed');
    await recorded(doomedEvent, 1);
    const failedOnly = await cliList('--failed');
    expect(failedOnly.length).toBeGreaterThanOrEqual(2);
    expect(failedOnly.every((r) => r.outcome !== 'succeeded')).toBe(true);
    expect(failedOnly[0]).toMatchObject({ eventId: doomedEvent, function: 'doomed', action: 'dead-lettered', error: { code: 'SB_FUNCTION_FAILED' } });

    const greet = await cliList('--subscription', 'greet');
    expect(greet.length).toBeGreaterThanOrEqual(1);
    expect(greet.every((r) => r.subscription === 'greet')).toBe(true);
    const latest = await cliList('--limit', '3');
    expect(latest).toHaveLength(3);
    const started = latest.map((r) => Date.parse(r.startedAt));
    expect(started).toEqual([...started].sort((a, b) => b - a));
    expect(latest[0]!.eventId).toBe(doomedEvent);

    // The event filter is checked on the records read: past --scan-limit the list stops,
    // says so on stderr, and stdout stays what --json promises.
    const stopped = await cli('list', '--json', '--event', 'no-such-event', '--scan-limit', '2');
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual([]);
    expect(stopped.stderr).toMatch(/^note: stopped after reading 2 invocation records without reaching the oldest/);
    const whole = await cli('list', '--event', 'no-such-event');
    expect(whole.stdout.trim()).toBe('no invocations recorded');
    expect(whole.stderr).toBe('');
  });

  it('serves the same records over HTTP', async () => {
    const eventId = await post('com.example.flaky');
    await recorded(eventId, 2);
    const list = await fetch(`${fixture.baseUrl}/invocations?function=flaky&event=${encodeURIComponent(eventId)}&failed=true`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { invocations: InvocationSummary[]; scanned: number; scanLimitReached: boolean };
    const { invocations } = body;
    expect(invocations).toHaveLength(1);
    expect(body).toMatchObject({ scanLimitReached: false });
    expect(body).not.toHaveProperty('note');
    expect(body.scanned).toBeGreaterThanOrEqual(2);
    expect(invocations[0]).toMatchObject({ eventId, attempt: 1, outcome: 'failed', action: 'retry' });
    expect(invocations[0]).not.toHaveProperty('output');

    const one = await fetch(`${fixture.baseUrl}/invocations/${invocations[0]!.invocationId}`);
    expect(one.status).toBe(200);
    const record = (await one.json()) as InvocationRecord;
    expect(record).toMatchObject({ invocationId: invocations[0]!.invocationId, error: { code: 'SB_FUNCTION_FAILED' } });
    expect(record.output.lines.map((l) => l.msg)).toEqual(['attempt 1']);

    const limited = (await (await fetch(`${fixture.baseUrl}/invocations?limit=1`)).json()) as { invocations: unknown[] };
    expect(limited.invocations).toHaveLength(1);
    const missing = await fetch(`${fixture.baseUrl}/invocations/no-such-id`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'SB_INVOCATION_NOT_FOUND' });
    expect((await fetch(`${fixture.baseUrl}/invocations?limit=zero`)).status).toBe(400);
    expect((await fetch(`${fixture.baseUrl}/invocations?failed=maybe`)).status).toBe(400);
  });

  it('says SB_INVOCATION_NOT_FOUND for an unknown id (exit 1), and what an invocation id looks like', async () => {
    const result = await cli('show', 'no-such-id');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^SB_INVOCATION_NOT_FOUND: "no-such-id" is not an invocation id: invocation ids are UUIDv7s/);
    const never = await cli('show', '0190f3c2-6b1e-7a4d-9c1e-2f0a8b3c4d5e');
    expect(never.exitCode).toBe(1);
    expect(never.stderr).toMatch(/^SB_INVOCATION_NOT_FOUND: no invocation record has id /);
  });

  it('keeps the records on their own stream with the configured retention, never on EVENTS', async () => {
    const nc = await connect({ servers: `nats://127.0.0.1:${fixture.busPort}`, token: await readEmbeddedToken(join(fixture.dir, 'data')) });
    try {
      const jsm = await jetstreamManager(nc);
      const { config } = await jsm.streams.info('INVOCATIONS');
      expect(config).toMatchObject({ subjects: ['invocations.>'], retention: 'limits', discard: 'old', max_bytes: 64 * 1024 ** 2 });
      expect(config.max_age).toBe(2 * 86_400 * 1e9);
      // One subject per subscription and outcome, never one per record: the server keeps
      // state in memory for each subject.
      const { state } = await jsm.streams.info('INVOCATIONS', { subjects_filter: '>' });
      expect(state.messages).toBeGreaterThan(4);
      expect(Object.keys(state.subjects ?? {}).sort()).toEqual(
        ['invocations.doomed.doomed.failed', 'invocations.flaky.flaky.failed', 'invocations.flaky.flaky.succeeded', 'invocations.greeter.greet.succeeded'],
      );
      const events = await jsm.streams.info('EVENTS');
      expect(events.config.subjects.some((s) => s.startsWith('invocations'))).toBe(false);
    } finally {
      await nc.close();
    }
  });
});

describe('invocation records without an appliance', () => {
  it('exit 2 with SB_APPLIANCE_NOT_RUNNING when nothing answers', async () => {
    const idle = await createFixture({ yamlBody: '' });
    try {
      const result = await runCli(['invocations', 'list', '--config', idle.configFile]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/^SB_APPLIANCE_NOT_RUNNING: /);
    } finally {
      await idle.cleanup();
    }
  });
});
