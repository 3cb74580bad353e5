// The vcenter source end to end: the simulator (the contract's server side) streams vSphere
// events into a running appliance, whose function records each one. Drops, session expiry,
// a SIGKILL of the whole appliance and an exceeded retention window must lose nothing and
// route nothing twice (each Key runs once as attempt 1; across the SIGKILL, one the router held
// but had not run yet runs first as attempt 2).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVcenterSimulator, type VcenterSimulator } from '../../src/sim/vcenter/index.js';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let sim: VcenterSimulator;
let fixture: ApplianceFixture;
let appliance: RunningAppliance | undefined;

const vcenterYaml = (url: string) => `
sources:
  - name: vc-lab
    type: vcenter
    url: ${url}
    username: administrator@vsphere.local
    password: VMware1!
subscriptions:
  - name: everything-vsphere
    function: record
    filters: [ { prefix: { type: com.vmware.vsphere. } } ]
  - name: gaps
    function: record
    filters: [ { exact: { type: com.switchboard.vcenter.gap } } ]
`;

beforeAll(async () => {
  recorder = await startRecorder();
  sim = await startVcenterSimulator({ rate: 0, seed: 7 });
  fixture = await createFixture({
    functions: { 'record.mjs': reportingFunction(recorder.url, 'record') },
    yamlBody: vcenterYaml(sim.url),
  });
});

afterEach(async () => {
  await appliance?.killGroup();
  appliance = undefined;
});

afterAll(async () => {
  await sim?.stop();
  await recorder?.close();
  await fixture?.cleanup();
});

const keysOf = (events: readonly { Key: number }[]) => events.map((e) => String(e.Key));
const firstAttempts = (key: string) => recorder.of('record').filter((i) => i.id === key && i.attempt === 1).length;
/** Runs of any attempt: an event handed to the router but not yet run when the appliance died runs first as attempt 2. */
const runs = (key: string) => recorder.of('record').filter((i) => i.id === key).length;

async function allDelivered(keys: readonly string[], what: string): Promise<void> {
  try {
    await eventually(() => keys.every((k) => runs(k) >= 1), 60_000, what);
  } catch (err) {
    const missing = keys.filter((k) => runs(k) < 1);
    throw new Error(`${(err as Error).message}: ${missing.length} of ${keys.length} never ran, e.g. ${missing.slice(0, 5).join(', ')}`);
  }
}

/**
 * Each stored once: exactly one first delivery. Across a crash, an event the router held but
 * had not run yet has none (it runs first as attempt 2): then at most one.
 */
function expectEachOnce(keys: readonly string[], acrossCrash = false): void {
  const twice = keys.filter((k) => (acrossCrash ? firstAttempts(k) > 1 : firstAttempts(k) !== 1));
  expect(twice, 'keys routed other than exactly once').toEqual([]);
}

async function connected(): Promise<void> {
  await eventually(() => sim.connections > 0, 20_000, 'the source to connect');
}

describe('vcenter source against the simulator', () => {
  it('maps vSphere events to CloudEvents the functions receive', async () => {
    appliance = await startAppliance(fixture);
    await connected();
    const emitted = await sim.emit(30);
    await allDelivered(keysOf(emitted), 'the first events');
    const one = recorder.of('record').find((i) => i.id === String(emitted[0]!.Key))!;
    expect(one.type).toBe(`com.vmware.vsphere.${emitted[0]!._typeName === 'EventEx' || emitted[0]!._typeName === 'ExtendedEvent' ? (emitted[0] as { EventTypeId: string }).EventTypeId : emitted[0]!._typeName}.v0`);
    expect(one.data).not.toHaveProperty('_typeName');
    expect(Number(one.id)).toBeGreaterThan(2 ** 31);
  });

  it('loses nothing and routes nothing twice across connection drops and session expiry', { timeout: 150_000 }, async () => {
    appliance = await startAppliance(fixture);
    await connected();
    const emitted = [...(await sim.emit(40))];
    sim.dropConnections(1001);
    emitted.push(...(await sim.emit(40))); // while it reconnects: replayed with since
    await connected();
    sim.expireSessions();
    emitted.push(...(await sim.emit(40)));
    await connected();
    sim.dropConnections('abrupt');
    emitted.push(...(await sim.emit(40)));
    await allDelivered(keysOf(emitted), 'every event across drops');
    const sentinel = await sim.emit(1);
    await allDelivered(keysOf(sentinel), 'the sentinel');
    expectEachOnce(keysOf(emitted));
  });

  it('resumes from its checkpoint after a SIGKILL of the whole appliance, losing nothing and routing nothing twice', { timeout: 150_000 }, async () => {
    appliance = await startAppliance(fixture);
    await connected();
    const emitted: { Key: number }[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        emitted.push(...(await sim.emit(5)));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await eventually(() => recorder.of('record').length > 100, 30_000, 'the stream to be flowing');
    await appliance.killGroup();
    appliance = undefined;
    await new Promise((r) => setTimeout(r, 300)); // events keep coming while it is down
    appliance = await startAppliance(fixture);
    await new Promise((r) => setTimeout(r, 300));
    streaming = false;
    await stream;
    await allDelivered(keysOf(emitted), 'every event emitted around the crash');
    expectEachOnce(keysOf(emitted), true);
  });

  it('surfaces an exceeded retention window as a log line, a metric and its own event, and goes on', async () => {
    appliance = await startAppliance(fixture);
    await connected();
    const before = await sim.emit(5);
    await allDelivered(keysOf(before), 'events before the outage');
    expect(await appliance.stop()).toBe(0);
    const missed = await sim.emit(50);
    sim.forget(sim.events().length - 10); // the server retains only the last 10 of them
    appliance = await startAppliance(fixture);
    const gap = await eventually(() => recorder.of('record').find((i) => i.type === 'com.switchboard.vcenter.gap'), 30_000, 'the gap event');
    expect(gap.data).toMatchObject({ instanceUuid: sim.instanceUuid });
    const kept = keysOf(missed.slice(-10));
    await allDelivered(kept, 'the events still retained');
    const after = await sim.emit(5);
    await allDelivered(keysOf(after), 'events after the gap');
    const metrics = await (await fetch(`${fixture.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_source_events_lost_total\{source="vc-lab"\} [1-9]/u);
    expect(appliance.logs.some((l) => l.level === 'error' && /gap|retention|lost/iu.test(String(l.msg)))).toBe(true);
  });
});
