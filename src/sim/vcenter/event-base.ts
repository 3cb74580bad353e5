// What every generated event shares (contract section 3): the base fields, null where a
// field does not apply, and the entity arguments filled in from where an event happened.

import type { Inventory, VmRecord, HostRecord, ClusterRecord } from './inventory.js';
import { computeResourceArg, datacenterArg, hostArg, vmArg } from './inventory.js';
import type { Random } from './random.js';
import type { BaseEvent } from './types.js';

/** An event before the log gives it a Key, a ChainId and a CreatedTime. */
export type EventBody = Omit<BaseEvent, 'Key' | 'ChainId' | 'CreatedTime'> & { readonly [field: string]: unknown };

export interface GeneratorContext {
  readonly inventory: Inventory;
  readonly random: Random;
}

/** Builds one event of a class, or undefined when the inventory does not allow it now. */
export type ClassBuilder = (context: GeneratorContext) => EventBody | undefined;

/** People and service accounts that act on the inventory. */
export const operators = [
  'VSPHERE.LOCAL\\Administrator',
  'VSPHERE.LOCAL\\Administrator',
  'LAB\\alice',
  'LAB\\bob',
  'VSPHERE.LOCAL\\svc-terraform',
  'VSPHERE.LOCAL\\svc-backup',
];

/** Where an event happened: a VM, a host, a cluster, or nowhere in particular. */
export type Place = { vm: VmRecord } | { host: HostRecord } | { cluster: ClusterRecord } | null;

export function base(typeName: string, userName: string, place: Place, message: string): EventBody {
  const host = place && 'vm' in place ? place.vm.host : place && 'host' in place ? place.host : undefined;
  const cluster = host?.cluster ?? (place && 'cluster' in place ? place.cluster : undefined);
  return {
    _typeName: typeName,
    UserName: userName,
    Datacenter: cluster ? datacenterArg(cluster) : null,
    ComputeResource: cluster ? computeResourceArg(cluster) : null,
    Host: host ? hostArg(host) : null,
    Vm: place && 'vm' in place ? vmArg(place.vm) : null,
    Ds: null,
    Net: null,
    Dvs: null,
    FullFormattedMessage: message,
    ChangeTag: '',
  };
}

/** VmEvent subclasses also say whether the VM is a template. */
export function vmEvent(typeName: string, userName: string, vm: VmRecord, message: string, extra: Record<string, unknown> = {}): EventBody {
  return { ...base(typeName, userName, { vm }, message), Template: false, ...extra };
}

/** "prod-web-01 on esx-01.lab in dc-01", as vCenter phrases where a VM is. */
export const vmWhere = (vm: VmRecord): string => `${vm.name} on ${vm.host.name} in ${vm.host.cluster.datacenter.name}`;
