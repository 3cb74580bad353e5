// The bus under the appliance: the embedded nats-server is restarted when it dies and the
// event path resumes; and an existing NATS cluster can be used instead of the embedded one.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder | undefined;
let fixture: ApplianceFixture | undefined;
let appliance: RunningAppliance | undefined;
let external: TestNatsServer | undefined;

afterEach(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
  await external?.stop();
  appliance = recorder = fixture = external = undefined;
});

const body = `
sources:
  - name: hooks
    type: webhook
    path: /hook
subscriptions:
  - name: record
    function: record
`;

async function post(baseUrl: string, id: string): Promise<number> {
  const res = await fetch(`${baseUrl}/hook`, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/t', 'ce-type': 'com.example.t', 'content-type': 'application/json' },
    body: '{}',
  }).catch(() => undefined);
  return res?.status ?? 0;
}

describe('the bus', () => {
  it('restarts an embedded nats-server that died, and events flow again', async () => {
    recorder = await startRecorder();
    fixture = await createFixture({ functions: { 'record.mjs': reportingFunction(recorder.url, 'record') }, yamlBody: body });
    appliance = await startAppliance(fixture);
    const first = randomUUID();
    expect(await post(fixture.baseUrl, first)).toBe(202);
    await eventually(() => recorder!.of('record').some((i) => i.id === first), 20_000, 'the first event');

    const pid = Number((await readFile(join(fixture.dir, 'data', 'nats-server.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await eventually(() => appliance!.logs.some((l) => String(l.msg).includes('embedded nats-server restarted')), 20_000, 'the restart');

    const second = randomUUID();
    // While the bus reconnects the webhook answers 503; a sender retries until 202.
    await eventually(async () => (await post(fixture!.baseUrl, second)) === 202, 20_000, 'a 202 after the restart');
    await eventually(() => recorder!.of('record').some((i) => i.id === second), 20_000, 'delivery after the restart');
    const ready = await fetch(`${fixture.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('uses an existing NATS server given in bus.url instead of starting its own', async () => {
    external = await startNatsServer();
    recorder = await startRecorder();
    fixture = await createFixture({ functions: { 'record.mjs': reportingFunction(recorder.url, 'record') }, yamlBody: body });
    const config = await readFile(fixture.configFile, 'utf8');
    await (await import('node:fs/promises')).writeFile(fixture.configFile, config.replace('url: embedded', `url: ${external.url}`));
    appliance = await startAppliance(fixture);
    const id = randomUUID();
    expect(await post(fixture.baseUrl, id)).toBe(202);
    await eventually(() => recorder!.of('record').some((i) => i.id === id), 20_000, 'delivery through the external server');
    expect(appliance.logs.some((l) => String(l.msg).includes('embedded nats-server ready'))).toBe(false);
  });
});
