// The mqtt source end to end against a real mosquitto: messages become CloudEvents that
// reach a function, and QoS 1 messages published while the appliance is stopped arrive once
// it is back (persistent session, stable client id).

import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let broker: TestMosquitto;
let recorder: Recorder;
let fixture: ApplianceFixture;
let appliance: RunningAppliance | undefined;

beforeAll(async () => {
  broker = await startMosquitto();
  recorder = await startRecorder();
  fixture = await createFixture({
    functions: { 'record.mjs': reportingFunction(recorder.url, 'record', 'await fetch(' + JSON.stringify(recorder.url) + ", { method: 'POST', body: JSON.stringify({ fn: 'subject', id: event.id, subject: event.subject, type: event.type }) });") },
    yamlBody: `
sources:
  - name: sensors
    type: mqtt
    url: ${broker.url}
    topics: ["sensors/#"]
    qos: 1
subscriptions:
  - name: readings
    function: record
    filters: [ { exact: { type: com.switchboard.mqtt.message } } ]
`,
  });
});

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
  await broker?.dispose();
});

async function publish(topic: string, payload: unknown): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `test-publisher-${Math.random()}` });
  await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
  await client.endAsync();
}

const readings = () => recorder.of('record').map((i) => (i.data as { n?: number } | undefined)?.n);

describe('mqtt source', () => {
  it('turns a message into a CloudEvent with the topic as subject and the JSON payload as data', async () => {
    appliance = await startAppliance(fixture);
    await eventually(async () => (await fetch(`${fixture.baseUrl}/readyz`)).ok, 20_000, 'the source to be running');
    await publish('sensors/rack-1/temperature', { n: 1, celsius: 24.5 });
    await eventually(() => readings().includes(1), 20_000, 'the first reading');
    const first = recorder.of('record').find((i) => (i.data as { n: number }).n === 1)!;
    expect(first.data).toEqual({ n: 1, celsius: 24.5 });
    // The function reports the subject in a second request: wait for it too.
    const subject = await eventually(() => recorder.of('subject').find((i) => i.id === first.id), 20_000, 'the subject report');
    expect(subject.subject).toBe('sensors/rack-1/temperature');
  });

  it('receives QoS 1 messages published while the appliance was stopped once it starts again', async () => {
    expect(await appliance!.stop()).toBe(0);
    appliance = undefined;
    for (let n = 10; n < 15; n++) await publish(`sensors/rack-2/n${n}`, { n });
    appliance = await startAppliance(fixture);
    await eventually(() => [10, 11, 12, 13, 14].every((n) => readings().includes(n)), 30_000, 'the readings sent while stopped');
  });
});
