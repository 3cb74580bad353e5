// What an operator fears most: the machine dies with events in flight. Every event that got
// a 202 must still reach its function after a restart; SIGTERM must drain and exit 0.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let fixture: ApplianceFixture;
let appliance: RunningAppliance | undefined;

beforeAll(async () => {
  recorder = await startRecorder();
  fixture = await createFixture({
    // A short ack wait so that deliveries interrupted by the crash come back quickly.
    bus: 'ackWait: 2s',
    shutdownTimeout: '3s',
    functions: {
      // A little work per event keeps plenty of them in flight when the kill lands.
      'record.mjs': reportingFunction(recorder.url, 'record', 'await new Promise((r) => setTimeout(r, 30));'),
      'slow.mjs': reportingFunction(recorder.url, 'slow', 'await new Promise((r) => setTimeout(r, 1500)); await fetch(' + JSON.stringify(recorder.url) + ", { method: 'POST', body: JSON.stringify({ fn: 'slow-done', id: event.id }) });"),
      'stuck.mjs': reportingFunction(recorder.url, 'stuck', 'if (context.attempt === 1) await new Promise((r) => setTimeout(r, 60_000));'),
    },
    yamlBody: `
sources:
  - name: load
    type: webhook
    path: /webhooks/load
subscriptions:
  - name: record
    function: record
    filters: [ { exact: { type: com.example.load } } ]
    concurrency: 64
  - name: slow
    function: slow
    filters: [ { exact: { type: com.example.slow } } ]
  - name: stuck
    function: stuck
    filters: [ { exact: { type: com.example.stuck } } ]
`,
  });
});

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
});

async function post(type: string, id: string): Promise<number> {
  try {
    const res = await fetch(`${fixture.baseUrl}/webhooks/load`, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/load', 'ce-type': type, 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    return res.status;
  } catch {
    return 0; // connection refused or reset: the appliance is down
  }
}

describe('crash recovery', () => {
  it('loses none of 1,000 accepted events when the appliance and its nats-server are SIGKILLed mid-flight', async () => {
    appliance = await startAppliance(fixture);
    const accepted: string[] = [];
    let sent = 0;
    let killed = false;
    const sender = async () => {
      while (sent < 1000) {
        const id = `load-${sent++}`;
        const status = await post('com.example.load', id);
        if (status === 202) accepted.push(id);
        if (!killed && accepted.length >= 400) {
          killed = true;
          await appliance!.killGroup();
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    expect(killed).toBe(true);
    const delivered = () => new Set(recorder.of('record').map((i) => i.id));
    const beforeRestart = delivered().size;
    expect(beforeRestart).toBeLessThan(accepted.length); // the kill did land with events in flight

    appliance = await startAppliance(fixture);
    // Send the rest now that it is back, as a retrying sender would.
    for (let i = 0; i < 1000; i++) {
      const id = `load-${i}`;
      if (!accepted.includes(id) && (await post('com.example.load', id)) === 202) accepted.push(id);
    }
    expect(accepted).toHaveLength(1000);
    await eventually(() => accepted.every((id) => delivered().has(id)), 60_000, 'every accepted event to be delivered');
  });

  it('stops a nats-server left running by a crashed appliance and starts cleanly', async () => {
    await appliance?.killGroup();
    appliance = await startAppliance(fixture);
    // SIGKILL only the appliance: its nats-server lives on, holding the store and the port.
    process.kill(appliance.child.pid!, 'SIGKILL');
    await appliance.exited;
    appliance = await startAppliance(fixture);
    const id = randomUUID();
    expect(await post('com.example.load', id)).toBe(202);
    await eventually(() => recorder.of('record').some((i) => i.id === id), 20_000, 'delivery after the restart');
    expect(appliance.logs.some((l) => String(l.msg).includes('left running'))).toBe(true);
  });

  it('drains on Ctrl-C: intake answers 503, the running invocation finishes, the process exits 0', async () => {
    const id = randomUUID();
    expect(await post('com.example.slow', id)).toBe(202);
    await eventually(() => recorder.of('slow').some((i) => i.id === id), 20_000, 'the slow function to start');
    // SIGINT to the whole process group, workers and all, as a terminal sends it.
    const exit = appliance!.interruptGroup();
    await eventually(async () => (await post('com.example.slow', randomUUID())) === 503, 5_000, 'a 503 while draining');
    const code = await exit;
    expect(code).toBe(0);
    expect(recorder.of('slow-done').some((i) => i.id === id)).toBe(true);
    appliance = undefined;
  });

  it('hands an invocation that outlives the shutdown grace back to the bus, and delivers it after the restart', async () => {
    appliance = await startAppliance(fixture);
    const id = randomUUID();
    expect(await post('com.example.stuck', id)).toBe(202);
    await eventually(() => recorder.of('stuck').some((i) => i.id === id), 20_000, 'the stuck function to start');
    const started = Date.now();
    expect(await appliance.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000); // bounded: the 3 s grace, not the function's 60 s
    appliance = await startAppliance(fixture);
    await eventually(() => recorder.of('stuck').filter((i) => i.id === id).length >= 2, 20_000, 'the redelivery');
    expect(recorder.of('stuck').filter((i) => i.id === id).map((i) => i.attempt)).toEqual([1, 2]);
  });
});
