// Every shipped example on a running appliance, as an admin would deploy them: the repo's
// functions/ copied verbatim (vm-removed.yaml given an AUDIT_URL and token, as its comments
// say to), their secrets in a secrets folder, vSphere CloudEvents posted to a webhook. The
// functions subscribe themselves (triggers:), call a fake chat webhook, a fake vCenter REST
// API and a fake log collector, and the events they emit are caught by a sink function.
// Python and shell run in the executable runtime (bubblewrap). Needs `npm run build`.

import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { createFixture, eventually, projectRoot, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startFakeVcenterApi, type FakeVcenterApi } from '../helpers/fake-vcenter-api.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../helpers/fake-webhook-receiver.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { alarmStatusChanged, vsphereCloudEvent } from '../helpers/vsphere-cloudevents.js';

const tagId = 'urn:vmomi:InventoryServiceTag:6e1f0b2a-prod:GLOBAL';

let recorder: Recorder;
let chat: FakeWebhookReceiver;
let collector: FakeWebhookReceiver;
let vcenter: FakeVcenterApi;
let fixture: ApplianceFixture;
let appliance: RunningAppliance;

/** What the sink function saw: the events the examples emitted, with their causation. */
const emitted = (type: string) => recorder.of('sink').map((r) => r.event as CloudEventRecord).filter((e) => e.type === type);

async function post(event: CloudEventRecord): Promise<void> {
  const res = await fetch(`${fixture.baseUrl}/webhooks/vc`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  });
  expect(res.status).toBe(202);
}

beforeAll(async () => {
  recorder = await startRecorder();
  chat = await startFakeWebhookReceiver();
  collector = await startFakeWebhookReceiver('/gelf');
  vcenter = await startFakeVcenterApi({
    username: 'svc-switchboard@vsphere.local', password: 'S3cret!pa55',
    vms: [{ vm: 'vm-56', name: 'prod-web-01' }, { vm: 'vm-140', name: 'prod-app-04' }],
    tags: [{ id: tagId, name: 'production' }],
  });
  fixture = await createFixture({
    functionsYaml: 'secretsDir: ./secrets',
    yamlBody: `
sources:
  - { name: vc, type: webhook, path: /webhooks/vc }
`,
  });
  // An appliance's folders are readable by the unprivileged user functions run as.
  await chmod(fixture.dir, 0o755);
  const functionsDir = join(fixture.dir, 'functions');
  await cp(join(projectRoot, 'functions'), functionsDir, { recursive: true });
  const shellManifest = join(functionsDir, 'vm-removed.yaml');
  await writeFile(shellManifest, (await readFile(shellManifest, 'utf8'))
    .replace(/^ {2}# AUDIT_URL: .*$/mu, `  AUDIT_URL: ${collector.url}`)
    .replace(/^# secrets: \[audit-token\].*$/mu, 'secrets: [audit-token]'));
  await writeFile(join(functionsDir, 'sink.mjs'), `export default async function (event) {
  await fetch(${JSON.stringify(recorder.url)}, { method: 'POST', body: JSON.stringify({ fn: 'sink', id: event.id, type: event.type, event }) });
}
`);
  await writeFile(join(functionsDir, 'sink.yaml'), 'triggers:\n  - name: sink\n    filters: [ { any: [ { prefix: { type: com.switchboard.vm. } }, { prefix: { type: com.switchboard.alarm. } } ] } ]\n');
  const secrets = join(fixture.dir, 'secrets');
  await mkdir(secrets, { mode: 0o700 });
  const values: Record<string, string> = {
    'chat-webhook-url': chat.url,
    'vcenter-url': vcenter.url,
    'vcenter-username': 'svc-switchboard@vsphere.local',
    'vcenter-password': 'S3cret!pa55',
    'audit-token': 'c0ll3ct0r-t0k3n',
  };
  for (const [name, value] of Object.entries(values)) await writeFile(join(secrets, name), `${value}\n`, { mode: 0o600 });
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.killGroup();
  await Promise.all([recorder?.close(), chat?.close(), collector?.close(), vcenter?.close()]);
  await fixture?.cleanup();
});

describe('the shipped examples on a running appliance', () => {
  it('notify posts the power-off of a VM to the chat webhook from its secret', async () => {
    await post(vsphereCloudEvent('VmPoweredOffEvent', { UserName: 'LAB\\bob', CreatedTime: '2026-02-11T21:28:23.677595Z' }));
    const message = await eventually(() => chat.received[0], 20_000, 'the chat message');
    expect(message.body).toEqual({ text: '[Switchboard] VM *prod-web-01* was powered off by LAB\\bob on esx-01.lab (cluster-01, dc-01) at 2026-02-11 21:28:23 UTC' });
  });

  it('tag-new-vms tags a new prod- VM in vCenter, and its vm.tagged event chains to the next function', async () => {
    const created = vsphereCloudEvent('VmCreatedEvent', { Vm: { Name: 'prod-app-04', Vm: { Type: 'VirtualMachine', Value: 'vm-140' } } });
    await post(created);
    const tagged = await eventually(() => emitted('com.switchboard.vm.tagged')[0], 20_000, 'the vm.tagged event');
    expect(vcenter.attached.get(tagId)).toEqual(['vm-140']);
    expect(tagged).toMatchObject({
      source: 'switchboard/functions/tag-new-vms',
      subject: 'prod-app-04',
      switchboardcausation: created.id,
      data: { vm: 'prod-app-04', vmId: 'vm-140', tagId, tagName: 'production' },
    });
    expect(vcenter.openSessions.size).toBe(0);
  });

  it('the Python alarm handler escalates an alarm that turns red, and only that', async () => {
    const yellow = alarmStatusChanged('green', 'yellow');
    const red = alarmStatusChanged('yellow', 'red');
    await post(yellow);
    await post(red);
    const escalated = await eventually(() => emitted('com.switchboard.alarm.escalated')[0], 30_000, 'the escalation');
    expect(escalated).toMatchObject({
      source: 'switchboard/functions/alarm-handler',
      subject: 'esx-01.lab',
      switchboardcausation: red.id,
      data: {
        alarm: 'Host CPU usage', alarmId: 'alarm-3', entity: 'esx-01.lab', entityType: 'HostSystem', entityId: 'host-21',
        from: 'yellow', to: 'red', severity: 'critical', datacenter: 'dc-01', vcenter: red.source, triggeredBy: red.id,
      },
    });
    // Its log line for the yellow one is there; no escalation came of it.
    await eventually(() => JSON.stringify(appliance.logs).includes("alarm 'Host CPU usage' on esx-01.lab (HostSystem): green -> yellow"), 20_000, 'the yellow alarm logged');
    expect(emitted('com.switchboard.alarm.escalated')).toHaveLength(1);
  });

  it('the shell function audits a removed VM to the collector with its token, and emits vm.decommissioned', async () => {
    const removed = vsphereCloudEvent('VmRemovedEvent', { UserName: 'LAB\\alice', Vm: { Name: 'prod-web-01', Vm: { Type: 'VirtualMachine', Value: 'vm-56' } } });
    await post(removed);
    const decommissioned = await eventually(() => emitted('com.switchboard.vm.decommissioned')[0], 30_000, 'the vm.decommissioned event');
    expect(decommissioned).toMatchObject({
      source: 'switchboard/functions/vm-removed',
      subject: 'prod-web-01',
      switchboardcausation: removed.id,
      data: { vm: 'prod-web-01', vmId: 'vm-56', host: 'esx-01.lab', cluster: 'cluster-01', datacenter: 'dc-01', removedBy: 'LAB\\alice', vcenter: removed.source },
    });
    expect(collector.received).toHaveLength(1);
    expect(collector.received[0]!.headers.authorization).toBe('Bearer c0ll3ct0r-t0k3n');
    expect(collector.received[0]!.body).toMatchObject({ kind: 'vm.removed', vm: 'prod-web-01', vmId: 'vm-56', user: 'LAB\\alice', eventId: removed.id });
    expect(JSON.stringify(appliance.logs)).toContain('AUDIT vm-removed: VM prod-web-01 (vm-56) removed by LAB\\\\alice from esx-01.lab (cluster-01, dc-01)');
  });

  it('never logs a secret', () => {
    const logs = JSON.stringify(appliance.logs);
    for (const secret of ['T0K3N', 'S3cret!pa55', 'c0ll3ct0r-t0k3n']) expect(logs).not.toContain(secret);
  });
});
