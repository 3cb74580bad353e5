// A small vCenter inventory the generated events act on, so that they make sense together:
// a VM powered off was on, a removed VM is gone afterwards, a host in maintenance mode runs
// no VMs, an alarm goes from the status it last went to.

import type { Random } from './random.js';
import type { EntityArgument, MoRef } from './types.js';

interface Named {
  readonly name: string;
  readonly ref: MoRef;
}
export type DatacenterRecord = Named;
export interface ClusterRecord extends Named {
  readonly datacenter: DatacenterRecord;
  readonly datastore: Named;
  readonly network: Named;
}
export interface HostRecord extends Named {
  readonly cluster: ClusterRecord;
  inMaintenance: boolean;
}
export interface VmRecord extends Named {
  host: HostRecord;
  poweredOn: boolean;
  numCpus: number;
  memoryMb: number;
  disks: number;
  nics: number;
}
export interface AlarmRecord extends Named {
  /** The managed object type the alarm watches. */
  readonly target: 'VirtualMachine' | 'HostSystem' | 'Datastore';
}
export type AlarmStatus = 'gray' | 'green' | 'yellow' | 'red';

export interface Inventory {
  readonly rootFolder: Named;
  readonly clusters: readonly ClusterRecord[];
  readonly hosts: readonly HostRecord[];
  readonly vms: VmRecord[];
  readonly alarms: readonly AlarmRecord[];
  /** Last status per `alarm/entity`; green when never changed. */
  readonly alarmStatus: Map<string, AlarmStatus>;
  /** A fresh managed object id number (vm-N), as vCenter hands out. */
  nextId(): number;
}

const ref = (Type: string, Value: string): MoRef => ({ Type, Value });

/** vm names by role, as an operator would find them; the demo's functions key on these. */
const initialVmNames = [
  'prod-web-01', 'prod-web-02', 'prod-web-03', 'prod-web-04', 'prod-app-01', 'prod-app-02',
  'prod-app-03', 'prod-db-01', 'prod-db-02', 'dev-web-01', 'dev-web-02', 'test-app-01',
  'k8s-ctrl-01', 'k8s-ctrl-02', 'k8s-ctrl-03', 'k8s-worker-01', 'k8s-worker-02', 'k8s-worker-03',
  'backup-proxy-01', 'jumphost-01', 'dr-web-01', 'dr-db-01',
];
export const vmRoles = ['prod-web', 'prod-app', 'dev-web', 'test-app', 'k8s-worker', 'build-agent'];

export function createInventory(random: Random): Inventory {
  let id = 100;
  const dc1 = { name: 'dc-01', ref: ref('Datacenter', 'datacenter-2') };
  const dc2 = { name: 'dc-dr', ref: ref('Datacenter', 'datacenter-1001') };
  const cluster = (name: string, value: string, datacenter: DatacenterRecord, ds: string, dsId: string, net: string, netId: string): ClusterRecord => ({
    name, ref: ref('ClusterComputeResource', value), datacenter,
    datastore: { name: ds, ref: ref('Datastore', dsId) },
    network: { name: net, ref: ref('DistributedVirtualPortgroup', netId) },
  });
  const clusters = [
    cluster('cluster-01', 'domain-c7', dc1, 'vsanDatastore', 'datastore-31', 'dvpg-prod', 'dvportgroup-41'),
    cluster('cluster-02', 'domain-c8', dc1, 'nfs-ds-01', 'datastore-32', 'dvpg-dev', 'dvportgroup-42'),
    cluster('cluster-dr', 'domain-c1007', dc2, 'dr-vsanDatastore', 'datastore-1031', 'dvpg-dr', 'dvportgroup-1041'),
  ];
  const hostsPer = [4, 2, 2];
  const hosts: HostRecord[] = [];
  clusters.forEach((c, i) => {
    for (let h = 0; h < hostsPer[i]!; h++) {
      const n = hosts.length + 1;
      const name = c.name === 'cluster-dr' ? `esx-dr-${pad(h + 1)}.lab` : `esx-${pad(n)}.lab`;
      hosts.push({ name, ref: ref('HostSystem', `host-${20 + n}`), cluster: c, inMaintenance: false });
    }
  });
  const inventory: Inventory = {
    rootFolder: { name: 'Datacenters', ref: ref('Folder', 'group-d1') },
    clusters,
    hosts,
    vms: [],
    alarms: [
      { name: 'Host connection and power state', ref: ref('Alarm', 'alarm-1'), target: 'HostSystem' },
      { name: 'Host CPU usage', ref: ref('Alarm', 'alarm-3'), target: 'HostSystem' },
      { name: 'Host memory usage', ref: ref('Alarm', 'alarm-4'), target: 'HostSystem' },
      { name: 'Virtual machine CPU usage', ref: ref('Alarm', 'alarm-7'), target: 'VirtualMachine' },
      { name: 'Virtual machine memory usage', ref: ref('Alarm', 'alarm-8'), target: 'VirtualMachine' },
      { name: 'Datastore usage on disk', ref: ref('Alarm', 'alarm-26'), target: 'Datastore' },
    ],
    alarmStatus: new Map(),
    nextId: () => ++id,
  };
  for (const name of initialVmNames) {
    const inCluster = name.startsWith('dr-') ? clusters[2]! : name.startsWith('dev-') || name.startsWith('test-') ? clusters[1]! : clusters[0]!;
    addVm(inventory, random, name, inCluster, random.chance(0.8));
  }
  return inventory;
}

export const pad = (n: number): string => String(n).padStart(2, '0');

/** Hosts of a cluster that can run VMs (not in maintenance mode). */
export function activeHosts(inventory: Inventory, cluster: ClusterRecord): HostRecord[] {
  return inventory.hosts.filter((h) => h.cluster === cluster && !h.inMaintenance);
}

export function addVm(inventory: Inventory, random: Random, name: string, cluster: ClusterRecord, poweredOn = false): VmRecord {
  const vm: VmRecord = {
    name,
    ref: ref('VirtualMachine', `vm-${inventory.nextId()}`),
    host: random.pick(activeHosts(inventory, cluster)),
    poweredOn,
    numCpus: random.pick([1, 2, 2, 4, 4, 8]),
    memoryMb: random.pick([2048, 4096, 8192, 16384]),
    disks: random.int(1, 3),
    nics: 1,
  };
  inventory.vms.push(vm);
  return vm;
}

/** A name for a new VM: the role's next free number (prod-web-05 after prod-web-04). */
export function nextVmName(inventory: Inventory, role: string): string {
  const taken = inventory.vms.filter((v) => v.name.startsWith(`${role}-`)).map((v) => Number(v.name.slice(role.length + 1)));
  return `${role}-${pad(Math.max(0, ...taken) + 1)}`;
}

export function removeVm(inventory: Inventory, vm: VmRecord): void {
  inventory.vms.splice(inventory.vms.indexOf(vm), 1);
}

/** Move every VM off a host (DRS vMotions them; those events are not in the mix). */
export function evacuate(inventory: Inventory, random: Random, host: HostRecord): void {
  const targets = activeHosts(inventory, host.cluster).filter((h) => h !== host);
  for (const vm of inventory.vms) if (vm.host === host) vm.host = random.pick(targets);
}

// The entity arguments events carry (`{Name, Vm: {Type, Value}}` and so on).
export const datacenterArg = (c: ClusterRecord): EntityArgument<'Datacenter'> => ({ Name: c.datacenter.name, Datacenter: c.datacenter.ref });
export const computeResourceArg = (c: ClusterRecord): EntityArgument<'ComputeResource'> => ({ Name: c.name, ComputeResource: c.ref });
export const hostArg = (h: HostRecord): EntityArgument<'Host'> => ({ Name: h.name, Host: h.ref });
export const vmArg = (v: VmRecord): EntityArgument<'Vm'> => ({ Name: v.name, Vm: v.ref });
export const datastoreArg = (c: ClusterRecord): EntityArgument<'Datastore'> => ({ Name: c.datastore.name, Datastore: c.datastore.ref });
