// Two appliances sharing one NATS cluster, each with the same cron source: every tick is
// stored once (its id is the source name and the scheduled time) and runs once.

import { afterAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let nats: TestNatsServer | undefined;
let recorder: Recorder | undefined;
const fixtures: ApplianceFixture[] = [];
const appliances: RunningAppliance[] = [];

afterAll(async () => {
  for (const a of appliances) await a.killGroup();
  for (const f of fixtures) await f.cleanup();
  await recorder?.close();
  await nats?.stop();
});

describe('cron source', () => {
  it('produces each tick once when two appliances on one NATS cluster run the same schedule', async () => {
    nats = await startNatsServer();
    recorder = await startRecorder();
    for (let i = 0; i < 2; i++) {
      const fixture = await createFixture({
        busUrl: nats.url,
        functions: { 'record.mjs': reportingFunction(recorder.url, 'record') },
        yamlBody: `
sources:
  - name: heartbeat
    type: cron
    schedule: "* * * * * *"
    data: { check: backups }
subscriptions:
  - name: on-tick
    function: record
`,
      });
      fixtures.push(fixture);
    }
    for (const f of fixtures) appliances.push(await startAppliance(f));
    await eventually(() => new Set(recorder!.of('record').map((i) => i.id)).size >= 4, 30_000, 'four ticks');
    // Both appliances did produce the ticks: the bus recognised the second copies as duplicates.
    let duplicates = 0;
    for (const f of fixtures) {
      const text = await (await fetch(`${f.baseUrl}/metrics`)).text();
      duplicates += Number(/switchboard_events_received_total\{source="heartbeat",outcome="duplicate"\} (\d+)/u.exec(text)?.[1] ?? 0);
    }
    expect(duplicates).toBeGreaterThan(0);
    for (const a of appliances) expect(await a.stop()).toBe(0);
    appliances.length = 0;

    const ticks = recorder.of('record').filter((i) => i.attempt === 1);
    const ids = ticks.map((i) => i.id);
    expect(new Set(ids).size, `ticks routed twice: ${ids.join(', ')}`).toBe(ids.length);
    for (const tick of ticks) {
      expect(tick.id).toMatch(/^heartbeat@\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.000)?Z$/u);
      expect(tick.data).toEqual({ check: 'backups' });
    }
  });
});
