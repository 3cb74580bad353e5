// Events about the platform rather than one VM's lifecycle (contract section 3): alarm
// status changes, user logins, hosts entering and leaving maintenance mode.

import { base, type ClassBuilder, operators } from './event-base.js';
import { activeHosts, datastoreArg, evacuate, type AlarmRecord, type AlarmStatus, type Inventory } from './inventory.js';
import type { Random } from './random.js';
import type { MoRef } from './types.js';

/** Where an alarm may go from each status: alarms flap between neighbours, and recover. */
const transitions: Record<AlarmStatus, readonly AlarmStatus[]> = {
  gray: ['green'],
  green: ['yellow', 'yellow', 'red'],
  yellow: ['red', 'green', 'green'],
  red: ['yellow', 'green'],
};
const capitalised = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** What an alarm fires on: a running VM, a host that is up, or a cluster's datastore. */
function alarmTarget(inventory: Inventory, random: Random, alarm: AlarmRecord) {
  if (alarm.target === 'VirtualMachine') {
    const running = inventory.vms.filter((v) => v.poweredOn);
    if (running.length === 0) return undefined;
    const vm = random.pick(running);
    return { name: vm.name, ref: vm.ref, place: { vm } } as const;
  }
  if (alarm.target === 'HostSystem') {
    const host = random.pick(inventory.hosts.filter((h) => !h.inMaintenance));
    return { name: host.name, ref: host.ref, place: { host } } as const;
  }
  const cluster = random.pick(inventory.clusters);
  return { name: cluster.datastore.name, ref: cluster.datastore.ref, place: { cluster }, ds: datastoreArg(cluster) } as const;
}

export const alarmStatusChanged: ClassBuilder = ({ inventory, random }) => {
  const alarm = random.pick(inventory.alarms);
  const target = alarmTarget(inventory, random, alarm);
  if (!target) return undefined;
  const statusKey = `${alarm.ref.Value}/${target.ref.Value}`;
  const from = inventory.alarmStatus.get(statusKey) ?? 'green';
  const to = random.pick(transitions[from]);
  inventory.alarmStatus.set(statusKey, to);
  const message = `Alarm '${alarm.name}' on ${target.name} changed from ${capitalised(from)} to ${capitalised(to)}`;
  const entity = (Name: string, Entity: MoRef) => ({ Name, Entity });
  const event = base('AlarmStatusChangedEvent', '', target.place, message);
  return {
    ...event,
    // A datastore belongs to a datacenter, not to a compute resource.
    ...('ds' in target ? { ComputeResource: null, Ds: target.ds } : {}),
    Alarm: { Name: alarm.name, Alarm: alarm.ref },
    Source: entity(inventory.rootFolder.name, inventory.rootFolder.ref),
    Entity: entity(target.name, target.ref),
    From: from,
    To: to,
  };
};

const agentsByUser: Record<string, readonly string[]> = {
  'VSPHERE.LOCAL\\svc-backup': ['Veeam Backup & Replication/12.2.0.334'],
  'VSPHERE.LOCAL\\svc-terraform': ['Terraform/1.9.8 terraform-provider-vsphere/2.10.0', 'govmomi/0.46.3 (go1.23.4;linux;amd64)'],
};
const interactiveAgents = [
  'VMware vSphere Client/8.0.3.00300',
  'VMware vSphere Client/8.0.3.00300',
  'PowerCLI/13.3.0.24145081',
  'pyvmomi Python/3.11.2 (Linux; 6.1.0-28-amd64; x86_64)',
];

export const userLoginSession: ClassBuilder = ({ random }) => {
  const user = random.pick(operators);
  const agent = random.pick(agentsByUser[user] ?? interactiveAgents);
  const ip = `10.20.${random.int(1, 4)}.${random.int(10, 250)}`;
  const h = random.hex(30);
  // vCenter session keys: "52" then a UUID-like hex string.
  const sessionId = `52${h.slice(0, 6)}-${h.slice(6, 10)}-${h.slice(10, 14)}-${h.slice(14, 18)}-${h.slice(18, 30)}`;
  return {
    ...base('UserLoginSessionEvent', user, null, `User ${user}@${ip} logged in as ${agent}`),
    IpAddress: ip,
    UserAgent: agent,
    Locale: 'en',
    SessionId: sessionId,
  };
};

/** A host goes into maintenance only if its cluster keeps another host up; its VMs move off first. */
export const enteredMaintenanceMode: ClassBuilder = ({ inventory, random }) => {
  const candidates = inventory.hosts.filter((h) => !h.inMaintenance && activeHosts(inventory, h.cluster).length >= 2);
  if (candidates.length === 0) return undefined;
  const host = random.pick(candidates);
  evacuate(inventory, random, host);
  host.inMaintenance = true;
  const message = `Host ${host.name} in ${host.cluster.datacenter.name} has entered maintenance mode`;
  return base('EnteredMaintenanceModeEvent', random.pick(operators), { host }, message);
};

export const exitMaintenanceMode: ClassBuilder = ({ inventory, random }) => {
  const candidates = inventory.hosts.filter((h) => h.inMaintenance);
  if (candidates.length === 0) return undefined;
  const host = random.pick(candidates);
  host.inMaintenance = false;
  const message = `Host ${host.name} in ${host.cluster.datacenter.name} has exited maintenance mode`;
  return base('ExitMaintenanceModeEvent', random.pick(operators), { host }, message);
};
