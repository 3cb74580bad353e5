// The vSphere filter examples of the README load as written and route vSphere events (as
// the vcenter source publishes them) the way the README says.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SubscriptionIndex } from '../../src/filters/subscription-index.js';
import { loadTree } from '../fixtures/config/load-tree.js';
import { alarmStatusChanged, vsphereCloudEvent } from '../helpers/vsphere-cloudevents.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = /For vSphere events[\s\S]*?```yaml\n([\s\S]*?)```/u.exec(readme)![1]!;

describe('the README filter examples', () => {
  it('load and route vSphere events as described', async () => {
    const fn = 'export default async () => 1;\n';
    const { config } = await loadTree({
      'switchboard.yaml': `apiVersion: switchboard/v1\n${example}`,
      'functions/notify.mjs': fn, 'functions/page-oncall.mjs': fn, 'functions/audit.mjs': fn, 'functions/rebalance.mjs': fn,
    });
    const index = new SubscriptionIndex(config.subscriptions);
    const routed = (event: Parameters<SubscriptionIndex['match']>[0]) => index.match(event).map((s) => s.name);

    expect(routed(vsphereCloudEvent('VmPoweredOffEvent'))).toEqual(['prod-vm-powered-off']);
    expect(routed(vsphereCloudEvent('VmPoweredOffEvent', { Vm: { Name: 'test-web-01' } }))).toEqual([]);
    // esx-01.lab is a lab host: no page, but the host alarm subscription sees it.
    expect(routed(alarmStatusChanged('yellow', 'red'))).toEqual(['host-alarms-since-may']);
    const prodHost = vsphereCloudEvent('AlarmStatusChangedEvent', {
      Vm: null, From: 'yellow', To: 'red', Entity: { Name: 'esx-07.prod', Entity: { Type: 'HostSystem', Value: 'host-7' } },
    });
    expect(routed(prodHost)).toEqual(['alarm-turned-red', 'host-alarms-since-may']);
    expect(routed(vsphereCloudEvent('UserLoginSessionEvent', { UserName: 'Administrator@vsphere.local' }))).toEqual(['admin-logins']);
    expect(routed(vsphereCloudEvent('UserLoginSessionEvent', { UserName: 'administrator@vsphereXlocal' }))).toEqual([]);
  });
});
