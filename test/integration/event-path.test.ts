// The whole event path on real parts: a CloudEvent POSTed to the webhook source of a
// running appliance (its own nats-server), routed by per-subscription consumers, run by a
// JavaScript function in a sandboxed worker, retried, dead-lettered and replayed.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let fixture: ApplianceFixture;
let appliance: RunningAppliance;
const hook = () => `${fixture.baseUrl}/webhooks/test`;

beforeAll(async () => {
  recorder = await startRecorder();
  const r = recorder.url;
  fixture = await createFixture({
    functions: {
      'match.mjs': reportingFunction(r, 'match'),
      'other.mjs': reportingFunction(r, 'other'),
      'catch-all.mjs': reportingFunction(r, 'catch-all'),
      'flaky.mjs': reportingFunction(r, 'flaky', 'if (context.attempt < 3) throw new Error(`not yet: attempt ${context.attempt}`);'),
      'doomed.mjs': reportingFunction(r, 'doomed', `if (!event.data || !event.data.fixed) throw new Error('the ticketing API said no');`),
      'spin.mjs': reportingFunction(r, 'spin', 'for (;;) {}'),
      'long.mjs': reportingFunction(
        r,
        'long',
        `await new Promise((res) => setTimeout(res, 3000));
  await fetch(${JSON.stringify(r)}, { method: 'POST', body: JSON.stringify({ fn: 'long-done', id: event.id }) });`,
      ),
      'in-order.mjs': reportingFunction(
        r,
        'in-order',
        `await new Promise((res) => setTimeout(res, 20 + Math.random() * 40));
  await fetch(${JSON.stringify(r)}, { method: 'POST', body: JSON.stringify({ fn: 'in-order-done', id: event.id }) });`,
      ),
      'tagger.mjs': `export default async function (event) {
  return { specversion: '1.0', type: 'com.example.tagged', data: { vm: event.data.vm, tag: 'prod' } };
}
`,
      'tagged-sink.mjs': `export default async function (event) {
  await fetch(${JSON.stringify(r)}, { method: 'POST', body: JSON.stringify({ fn: 'tagged-sink', id: event.id, event }) });
}
`,
      'fanout.mjs': `export default async function (event) {
  return Array.from({ length: event.data.count }, (_, i) => ({ specversion: '1.0', type: 'com.example.fanned', data: { i } }));
}
`,
      'looper.mjs': `export default async function (event) {
  await fetch(${JSON.stringify(r)}, { method: 'POST', body: JSON.stringify({ fn: 'looper', id: event.id, chain: event.data.chain, depth: event.switchboarddepth ?? 0 }) });
  return { specversion: '1.0', type: 'com.example.loop', data: event.data };
}
`,
      'probe-bus.mjs': `import { connect } from 'node:net';
export default async function (event) {
  // Speak raw NATS to the appliance's own bus: without its token this must be refused.
  const reply = await new Promise((resolve) => {
    let text = '';
    const socket = connect(Number(process.env.BUS_PORT), '127.0.0.1', () => socket.write('CONNECT {"verbose":false}\\r\\nPING\\r\\n'));
    socket.on('data', (d) => { text += d; if (/PONG|-ERR/.test(text)) { socket.destroy(); resolve(text); } });
    socket.on('error', (e) => resolve('error ' + e.message));
  });
  await fetch(${JSON.stringify(r)}, { method: 'POST', body: JSON.stringify({ fn: 'probe-bus', id: event.id, reply }) });
}
`,
    },
    // A short ack wait: a function running longer than this must still be delivered once.
    bus: 'ackWait: 1s',
    yamlBody: `
sources:
  - name: tests
    type: webhook
    path: /webhooks/test
    maxBodySize: 4KiB
  - name: secure
    type: webhook
    path: /webhooks/secure
    auth: { type: bearer, token: s3cret-token }
subscriptions:
  - name: match
    function: match
    filters: [ { exact: { type: com.example.match } } ]
  - name: other
    function: other
    filters: [ { exact: { type: com.example.other } } ]
  - name: catch-all
    function: catch-all
  - name: flaky
    function: flaky
    filters: [ { exact: { type: com.example.flaky } } ]
    retry: { attempts: 3, backoff: exponential, delay: 300ms, maxDelay: 5s }
  - name: doomed
    function: doomed
    filters: [ { exact: { type: com.example.doomed } } ]
    retry: { attempts: 2, backoff: linear, delay: 200ms, maxDelay: 1s }
  - name: spin
    function: spin
    filters: [ { exact: { type: com.example.spin } } ]
    timeout: 1s
    retry: { attempts: 1 }
  - name: long
    function: long
    filters: [ { exact: { type: com.example.long } } ]
  - name: in-order
    function: in-order
    filters: [ { exact: { type: com.example.ordered } } ]
    ordered: true
  - name: tagger
    function: tagger
    filters: [ { exact: { type: com.example.untagged } } ]
  - name: tagged-sink
    function: tagged-sink
    filters: [ { exact: { type: com.example.tagged } } ]
  - name: looper
    function: looper
    filters: [ { exact: { type: com.example.loop } } ]
  - name: fanout
    function: fanout
    retry: { attempts: 1 }
    filters: [ { exact: { type: com.example.fanout } } ]
  - name: probe-bus
    function: probe-bus
    filters: [ { exact: { type: com.example.probe } } ]
`,
  });
  await fixture.write('probe-bus.yaml', `env: { BUS_PORT: "${fixture.busPort}" }\n`);
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
});

function postBinary(type: string, id = randomUUID(), data: unknown = { n: 1 }) {
  return fetch(hook(), {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/tests', 'ce-type': type, 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
}

function postStructured(type: string, id = randomUUID(), data: unknown = { n: 2 }) {
  return fetch(hook(), {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', id, source: '/tests', type, time: new Date().toISOString(), datacontenttype: 'application/json', data }),
  });
}

/** Send an event every subscription's consumer has to pass, and wait until catch-all ran it. */
async function sentinel(): Promise<void> {
  const id = randomUUID();
  expect((await postBinary('com.example.sentinel', id)).status).toBe(202);
  await eventually(() => recorder.of('catch-all').some((i) => i.id === id), 20_000, 'the sentinel event');
}

describe('the event path', () => {
  it('delivers binary and structured CloudEvents to the matching function exactly once, and not to others', async () => {
    const binaryId = randomUUID();
    const structuredId = randomUUID();
    expect((await postBinary('com.example.match', binaryId)).status).toBe(202);
    expect((await postStructured('com.example.match', structuredId)).status).toBe(202);
    await eventually(() => recorder.of('match').length >= 2, 20_000, 'two invocations of match');
    await sentinel();
    const ran = recorder.of('match').map((i) => i.id).sort();
    expect(ran).toEqual([binaryId, structuredId].sort());
    expect(recorder.of('other').filter((i) => i.id === binaryId || i.id === structuredId)).toEqual([]);
    const structured = recorder.of('match').find((i) => i.id === structuredId)!;
    expect(structured.data).toEqual({ n: 2 });
  });

  it('gives a function only the environment its manifest declares', async () => {
    const env = recorder.of('match')[0]!.env as string[];
    expect(env).not.toContain('APPLIANCE_CANARY');
    expect(env).not.toContain('PATH');
  });

  it('retries a function that fails twice with the configured backoff, then succeeds', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.flaky', id)).status).toBe(202);
    const attempts = await eventually(() => {
      const seen = recorder.of('flaky').filter((i) => i.id === id);
      return seen.length >= 3 && seen;
    }, 20_000, 'three attempts of flaky');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // exponential from 300ms: the second attempt ≥ 300ms after the first, the third ≥ 600ms after the second
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(280);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(580);
    await sentinel();
    expect(recorder.of('flaky').filter((i) => i.id === id)).toHaveLength(3);
    const dlq = await runCli(['dlq', 'list', '--json', '--config', fixture.configFile]);
    expect((JSON.parse(dlq.stdout) as { event: { id: string } }[]).map((p) => p.event.id)).not.toContain(id);
  });

  it('parks an event that always fails in the DLQ with its error, and dlq replay delivers it again', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.doomed', id)).status).toBe(202);
    const parked = await eventually(async () => {
      const list = await runCli(['dlq', 'list', '--json', '--config', fixture.configFile]);
      expect(list.exitCode).toBe(0);
      return (JSON.parse(list.stdout) as { id: number; subscription: string; function: string; attempts: number; error: string; event: { id: string } }[]).find(
        (p) => p.event.id === id,
      );
    }, 20_000, 'the event in the DLQ');
    expect(parked).toMatchObject({ subscription: 'doomed', function: 'doomed', attempts: 2 });
    expect(parked.error).toContain('SB_FUNCTION_FAILED');
    expect(parked.error).toContain('the ticketing API said no');
    expect(recorder.of('doomed').filter((i) => i.id === id).map((i) => i.attempt)).toEqual([1, 2]);

    const shown = await runCli(['dlq', 'show', String(parked.id), '--json', '--config', fixture.configFile]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: parked.id, event: { id, type: 'com.example.doomed' } });

    const replay = await runCli(['dlq', 'replay', String(parked.id), '--config', fixture.configFile]);
    expect(replay.exitCode).toBe(0);
    await eventually(() => recorder.of('doomed').filter((i) => i.id === id).length >= 3, 20_000, 'the replayed delivery');
    // Only the subscription that failed gets the replay: catch-all saw the event once.
    await sentinel();
    expect(recorder.of('catch-all').filter((i) => i.id === id)).toHaveLength(1);
    const after = await runCli(['dlq', 'show', String(parked.id), '--config', fixture.configFile]);
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toContain('SB_DLQ_ENTRY_NOT_FOUND');
  });

  it('answers 400 to an invalid CloudEvent and 413 to a body over the limit, and delivers neither', async () => {
    const invalidId = randomUUID();
    const invalid = await fetch(hook(), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: invalidId, source: '/tests', type: 'com.example.match', time: 'yesterday' }),
    });
    expect(invalid.status).toBe(400);
    const tooLargeId = randomUUID();
    const tooLarge = await postBinary('com.example.match', tooLargeId, { blob: 'x'.repeat(8 * 1024) });
    expect(tooLarge.status).toBe(413);
    await sentinel();
    const ids = recorder.invocations.map((i) => i.id);
    expect(ids).not.toContain(invalidId);
    expect(ids).not.toContain(tooLargeId);
  });

  it('kills a function that loops forever at its timeout and still delivers the next event to another function', async () => {
    const spinId = randomUUID();
    const nextId = randomUUID();
    expect((await postBinary('com.example.spin', spinId)).status).toBe(202);
    await eventually(() => recorder.of('spin').some((i) => i.id === spinId), 20_000, 'the spinning function to start');
    expect((await postBinary('com.example.other', nextId)).status).toBe(202);
    await eventually(() => recorder.of('other').some((i) => i.id === nextId), 20_000, 'the next event');
    const parked = await eventually(async () => {
      const list = await runCli(['dlq', 'list', '--json', '--subscription', 'spin', '--config', fixture.configFile]);
      return (JSON.parse(list.stdout) as { error: string; event: { id: string } }[]).find((p) => p.event.id === spinId);
    }, 20_000, 'the timed-out event in the DLQ');
    expect(parked.error).toContain('SB_FUNCTION_TIMEOUT');
    const metrics = await (await fetch(`${fixture.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_invocations_total\{function="spin",outcome="timeout"\} 1/u);
  });

  it('keeps a long invocation alive past the ack wait so the event is not delivered twice', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.long', id)).status).toBe(202);
    await eventually(() => recorder.of('long').some((i) => i.id === id), 20_000, 'the long function to start');
    // 3 s of work against a 1 s ack wait: without in-progress acks JetStream redelivers
    // after 1 s and 2 s, long before the first invocation is done.
    await eventually(() => recorder.of('long-done').some((i) => i.id === id), 20_000, 'the long function to finish');
    await sentinel();
    expect(recorder.of('long').filter((i) => i.id === id).map((i) => i.attempt)).toEqual([1]);
  });

  it('delivers an ordered subscription one event at a time in stream order', async () => {
    const ids = Array.from({ length: 12 }, (_, n) => `ordered-${n}-${randomUUID()}`);
    // Posted one after another (so stream order is known) faster than the function runs:
    // with ordered: false (16 in flight) the invocations would overlap.
    for (const id of ids) expect((await postBinary('com.example.ordered', id)).status).toBe(202);
    await eventually(() => recorder.of('in-order-done').length >= ids.length, 30_000, 'every ordered event');
    const starts = recorder.of('in-order');
    const ends = recorder.of('in-order-done');
    expect(ends.map((i) => i.id)).toEqual(starts.map((i) => i.id));
    // One at a time: each invocation starts after the previous one finished.
    for (let n = 1; n < starts.length; n++) expect(starts[n]!.at).toBeGreaterThanOrEqual(ends[n - 1]!.at);
    expect(starts.map((i) => i.id)).toEqual(ids);
  });

  it('switchboard send publishes a test event that reaches the matching function', async () => {
    const id = randomUUID();
    const sent = await runCli(['send', '--type', 'com.example.match', '--id', id, '--data', '{"from":"cli"}', '--json', '--config', fixture.configFile]);
    expect(sent.exitCode).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ id, duplicate: false, matches: ['match', 'catch-all'] });
    await eventually(() => recorder.of('match').some((i) => i.id === id), 20_000, 'the sent event');
    expect(recorder.of('match').find((i) => i.id === id)!.data).toEqual({ from: 'cli' });
    const again = await runCli(['send', '--type', 'com.example.match', '--id', id, '--json', '--config', fixture.configFile]);
    expect(JSON.parse(again.stdout)).toMatchObject({ id, duplicate: true });
  });

  it('publishes the CloudEvent a function returns, so functions chain, with its causation and depth', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.untagged', id, { vm: 'web-01' })).status).toBe(202);
    const sunk = await eventually(() => recorder.of('tagged-sink').find((i) => (i.event as { switchboardcausation?: string }).switchboardcausation === id), 20_000, 'the chained event');
    expect(sunk.event).toMatchObject({
      type: 'com.example.tagged', source: 'switchboard/functions/tagger', switchboarddepth: 1, data: { vm: 'web-01', tag: 'prod' },
    });
  });

  it('dead-letters an event returned deeper than the chain limit instead of looping forever', async () => {
    const chain = randomUUID();
    expect((await postBinary('com.example.loop', randomUUID(), { chain })).status).toBe(202);
    const parked = await eventually(async () => {
      const list = await runCli(['dlq', 'list', '--json', '--subscription', 'looper', '--config', fixture.configFile]);
      return (JSON.parse(list.stdout) as { error: string; event: { data: { chain: string } } }[]).find((p) => p.event.data.chain === chain);
    }, 30_000, 'the too-deep event in the DLQ');
    expect(parked.error).toContain('SB_CHAIN_TOO_DEEP');
    const depths = recorder.of('looper').filter((i) => i.chain === chain).map((i) => i.depth);
    expect(depths).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // default functions.maxChainDepth 8
  });

  it('refuses to publish more than 1000 events returned by one invocation, and parks the trigger', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.fanout', id, { count: 1001 })).status).toBe(202);
    const parked = await eventually(async () => {
      const list = await runCli(['dlq', 'list', '--json', '--subscription', 'fanout', '--config', fixture.configFile]);
      return (JSON.parse(list.stdout) as { error: string; event: { id: string } }[]).find((p) => p.event.id === id);
    }, 30_000, 'the fan-out trigger in the DLQ');
    expect(parked.error).toContain('returned 1001 events; at most 1000 per invocation');
  });

  it('refuses a function that connects to the embedded bus without its token', async () => {
    const id = randomUUID();
    expect((await postBinary('com.example.probe', id)).status).toBe(202);
    const probe = await eventually(() => recorder.of('probe-bus').find((i) => i.id === id), 20_000, 'the probe');
    expect(String(probe.reply)).toContain('Authorization Violation');
    expect(String(probe.reply)).not.toContain('PONG');
  });

  it('answers 401 to a wrong bearer token and publishes nothing; the right token gets through', async () => {
    const send = (token: string, id: string) =>
      fetch(`${fixture.baseUrl}/webhooks/secure`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/secure', 'ce-type': 'com.example.match', 'content-type': 'application/json' },
        body: '{}',
      });
    const refusedId = randomUUID();
    expect((await send('wrong-token', refusedId)).status).toBe(401);
    const acceptedId = randomUUID();
    expect((await send('s3cret-token', acceptedId)).status).toBe(202);
    await eventually(() => recorder.of('match').some((i) => i.id === acceptedId), 20_000, 'the authorized event');
    await sentinel();
    expect(recorder.invocations.map((i) => i.id)).not.toContain(refusedId);
    const metrics = await (await fetch(`${fixture.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_source_events_refused_total\{source="secure",reason="unauthorized"\} 1/u);
  });

  it('reports readiness and metrics an operator can scrape', async () => {
    const ready = await fetch(`${fixture.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
    expect(body.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['bus', 'router', 'source:tests']));
    const metrics = await (await fetch(`${fixture.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_events_received_total\{source="tests",outcome="accepted"\} \d+/u);
    expect(metrics).toMatch(/switchboard_events_received_total\{source="tests",outcome="invalid"\} 1/u);
    expect(metrics).toMatch(/switchboard_dead_lettered_total\{subscription="doomed"\} [1-9]/u);
    expect(metrics).toMatch(/switchboard_retries_total\{subscription="flaky"\} 2/u);
    expect(metrics).toContain('switchboard_dlq_depth');
  });

  it('logs every line about an event with its event id, subscription and function', () => {
    const aboutEvents = appliance.logs.filter((l) => typeof l.msg === 'string' && /invocation|dead-letter/u.test(l.msg as string));
    expect(aboutEvents.length).toBeGreaterThan(0);
    for (const line of aboutEvents) {
      expect(line).toHaveProperty('eventId');
      expect(line).toHaveProperty('subscription');
      expect(line).toHaveProperty('function');
    }
  });
});
