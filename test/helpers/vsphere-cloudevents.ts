// vSphere events as the vcenter source publishes them: a contract-shaped event object
// (vcenter-samples.ts) mapped by the source's own toCloudEvent, so example functions are
// tested on exactly the CloudEvents the appliance hands them.

import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { readVsphereEvent, toCloudEvent } from '../../sources/vcenter/to-cloudevent.js';
import { baseEvent } from './vcenter-samples.js';

export const vcenterUrl = 'https://vc-lab.example';

let nextKey = 9000;

/** A CloudEvent of class `typeName` (VmCreatedEvent…); `extra` overrides the sample's fields. */
export function vsphereCloudEvent(typeName: string, extra: Record<string, unknown> = {}): CloudEventRecord {
  const read = readVsphereEvent(baseEvent(typeName, (nextKey += 7), extra));
  if (typeof read === 'string') throw new Error(`not a vSphere event: ${read}`);
  return toCloudEvent(read, { source: vcenterUrl, apiVersion: '8.0.3.0' }) as unknown as CloudEventRecord;
}

/** An AlarmStatusChangedEvent as the simulator raises it (src/sim/vcenter/infra-events.ts). */
export function alarmStatusChanged(from: string, to: string): CloudEventRecord {
  const ref = (Type: string, Value: string) => ({ Type, Value });
  return vsphereCloudEvent('AlarmStatusChangedEvent', {
    UserName: '',
    Vm: null,
    Template: undefined,
    Alarm: { Name: 'Host CPU usage', Alarm: ref('Alarm', 'alarm-3') },
    Source: { Name: 'Datacenters', Entity: ref('Folder', 'group-d1') },
    Entity: { Name: 'esx-01.lab', Entity: ref('HostSystem', 'host-21') },
    From: from,
    To: to,
    FullFormattedMessage: `Alarm 'Host CPU usage' on esx-01.lab changed from ${from} to ${to}`,
  });
}
