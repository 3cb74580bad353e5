// Routing on what is inside the event, on the real appliance: CloudEvents POSTed to its
// webhook source reach a function only when a data: or cesql: filter says so, and a CESQL
// expression failing on every event is counted in /metrics and logged while the router
// goes on delivering.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { reportingFunction, startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let fixture: ApplianceFixture;
let appliance: RunningAppliance;

beforeAll(async () => {
  recorder = await startRecorder();
  fixture = await createFixture({
    functions: {
      'by-name.mjs': reportingFunction(recorder.url, 'by-name'),
      'red-alarm.mjs': reportingFunction(recorder.url, 'red-alarm'),
      'severe.mjs': reportingFunction(recorder.url, 'severe'),
      'cast-errors.mjs': reportingFunction(recorder.url, 'cast-errors'),
    },
    // ordered: each subscription settles events in stream order, so once a later event ran,
    // every earlier one was matched or passed over.
    yamlBody: `
sources:
  - name: vc
    type: webhook
    path: /webhooks/vc
subscriptions:
  - name: by-name
    function: by-name
    ordered: true
    filters:
      - exact: { type: com.vmware.vsphere.VmPoweredOffEvent.v0 }
      - data: { path: Vm.Name, prefix: "prod-" }
  - name: red-alarm
    function: red-alarm
    ordered: true
    filters:
      - prefix: { type: com.vmware.vsphere.AlarmStatusChangedEvent }
      - any:
          - data: { path: To, equals: red }
          - data: { path: Arguments.0.Value, regex: "(?i)^critical" }
  - name: severe
    function: severe
    ordered: true
    filters:
      - cesql: "type LIKE 'com.vmware.vsphere.%' AND severity IN ('red', 'critical')"
  - name: cast-errors
    function: cast-errors
    ordered: true
    filters:
      - cesql: "INT(severity) > 1"
`,
  });
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
});

/** A vCenter-style event in binary mode: attributes as ce- headers, the payload as JSON. */
async function post(type: string, data: unknown, extensions: Record<string, string> = {}): Promise<string> {
  const id = randomUUID();
  const headers: Record<string, string> = {
    'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/vcenter/vc-lab', 'ce-type': type, 'content-type': 'application/json',
  };
  for (const [name, value] of Object.entries(extensions)) headers[`ce-${name}`] = value;
  const response = await fetch(`${fixture.baseUrl}/webhooks/vc`, { method: 'POST', headers, body: JSON.stringify(data) });
  expect(response.status).toBe(202);
  return id;
}

const ids = (fn: string) => recorder.of(fn).map((i) => i.id);

describe('payload filters on the real appliance', () => {
  it('routes by a data filter on the VM name and by the new colour of an alarm', async () => {
    const test = await post('com.vmware.vsphere.VmPoweredOffEvent.v0', { Vm: { Name: 'test-web-01' } });
    const noData = await post('com.vmware.vsphere.VmPoweredOffEvent.v0', 'not an object');
    const prod = await post('com.vmware.vsphere.VmPoweredOffEvent.v0', { Vm: { Name: 'prod-web-01' } });
    const green = await post('com.vmware.vsphere.AlarmStatusChangedEvent.v0', { To: 'green', Arguments: [{ Value: 'minor' }] });
    const critical = await post('com.vmware.vsphere.AlarmStatusChangedEvent.v0', { To: 'yellow', Arguments: [{ Value: 'CRITICAL: host down' }] });
    const red = await post('com.vmware.vsphere.AlarmStatusChangedEvent.v0', { From: 'yellow', To: 'red' });

    await eventually(() => ids('by-name').includes(prod), 20_000, 'the prod VM event');
    await eventually(() => ids('red-alarm').includes(red), 20_000, 'the red alarm');
    expect(ids('by-name')).toEqual([prod]);
    expect(ids('red-alarm')).toEqual([critical, red]);
    expect(recorder.invocations.filter((i) => [test, noData, green].includes(i.id))).toEqual([]);
  });

  it('routes by a cesql filter, and counts and logs its evaluation errors without stopping', async () => {
    const quiet = await post('com.vmware.vsphere.VmPoweredOnEvent.v0', {}, { severity: 'info' });
    const noSeverity = await post('com.vmware.vsphere.VmPoweredOnEvent.v0', {});
    const loud = await post('com.vmware.vsphere.HostDisconnectedEvent.v0', {}, { severity: 'critical' });
    const numeric = await post('com.vmware.vsphere.HostDisconnectedEvent.v0', {}, { severity: '7' });

    await eventually(() => ids('severe').includes(loud), 20_000, 'the critical event');
    expect(ids('severe')).toEqual([loud]);
    expect([quiet, noSeverity].some((id) => ids('severe').includes(id))).toBe(false);

    // INT('info') and INT('critical') fail to cast, a missing severity is a missingAttribute
    // error: none matches, each is counted — and '7' still gets through afterwards.
    await eventually(() => ids('cast-errors').includes(numeric), 20_000, 'the numeric severity');
    expect(ids('cast-errors')).toEqual([numeric]);
    const metrics = await (await fetch(`${fixture.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_filter_errors_total\{subscription="cast-errors",kind="cast"\} [1-9]/u);
    expect(metrics).toMatch(/switchboard_filter_errors_total\{subscription="cast-errors",kind="missingAttribute"\} [1-9]/u);
    const logged = appliance.logs.filter((l) => l.subscription === 'cast-errors' && l.kind === 'cast');
    // Rate-limited: several cast errors (the earlier tests' events too), one line.
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ expression: 'INT(severity) > 1' });
    expect(String(logged[0]!.msg)).toContain('cannot cast');
  });
});
