// VM lifecycle events (contract section 3): power on/off (by a user or by DRS), create,
// remove, reconfigure. Each changes the inventory, so the next event sees the result.

import { type ClassBuilder, operators, vmEvent, vmWhere } from './event-base.js';
import { activeHosts, addVm, nextVmName, removeVm, vmRoles, type VmRecord } from './inventory.js';
import type { Random } from './random.js';

const poweredOff = (vms: readonly VmRecord[]) => vms.filter((v) => !v.poweredOn);

export const vmPoweredOn: ClassBuilder = ({ inventory, random }) => {
  const candidates = poweredOff(inventory.vms);
  if (candidates.length === 0) return undefined;
  const vm = random.pick(candidates);
  vm.poweredOn = true;
  return vmEvent('VmPoweredOnEvent', random.pick(operators), vm, `${vmWhere(vm)} is powered on`);
};

/** DRS chose the host: the VM may start somewhere other than where it was registered. */
export const drsVmPoweredOn: ClassBuilder = ({ inventory, random }) => {
  const candidates = poweredOff(inventory.vms);
  if (candidates.length === 0) return undefined;
  const vm = random.pick(candidates);
  vm.host = random.pick(activeHosts(inventory, vm.host.cluster));
  vm.poweredOn = true;
  return vmEvent('DrsVmPoweredOnEvent', random.pick(operators), vm, `DRS powered on ${vm.name} on ${vm.host.name} in ${vm.host.cluster.datacenter.name}`);
};

export const vmPoweredOff: ClassBuilder = ({ inventory, random }) => {
  const candidates = inventory.vms.filter((v) => v.poweredOn);
  if (candidates.length === 0) return undefined;
  const vm = random.pick(candidates);
  vm.poweredOn = false;
  return vmEvent('VmPoweredOffEvent', random.pick(operators), vm, `${vmWhere(vm)} is powered off`);
};

/** New VMs come off the same roles, until the inventory is comfortably full. */
export const vmCreated: ClassBuilder = ({ inventory, random }) => {
  if (inventory.vms.length >= 40) return undefined;
  const cluster = random.pick(inventory.clusters.slice(0, 2));
  const vm = addVm(inventory, random, nextVmName(inventory, random.pick(vmRoles)), cluster);
  return vmEvent('VmCreatedEvent', random.pick(operators), vm, `Created virtual machine ${vm.name} on ${vm.host.name} in ${cluster.datacenter.name}`);
};

/** Only powered-off VMs are removed, and never below a working inventory. */
export const vmRemoved: ClassBuilder = ({ inventory, random }) => {
  const candidates = poweredOff(inventory.vms);
  if (candidates.length === 0 || inventory.vms.length <= 12) return undefined;
  const vm = random.pick(candidates);
  removeVm(inventory, vm);
  return vmEvent('VmRemovedEvent', random.pick(operators), vm, `Removed ${vm.name} on ${vm.host.name} from ${vm.host.cluster.datacenter.name}`);
};

interface Reconfiguration {
  readonly spec: Record<string, unknown>;
  readonly modified?: string;
  readonly added?: string;
  readonly deleted?: string;
}

/** One change to a VM's configuration, as the ConfigSpec that asked for it and the diff vCenter logs. */
function reconfigure(vm: VmRecord, random: Random): Reconfiguration {
  const choice = random.int(0, 4);
  if (choice === 0) {
    const before = vm.numCpus;
    vm.numCpus = before >= 8 ? before / 2 : before * 2;
    return { spec: { NumCPUs: vm.numCpus }, modified: `config.hardware.numCPU: ${before} -> ${vm.numCpus}` };
  }
  if (choice === 1) {
    const before = vm.memoryMb;
    vm.memoryMb = before >= 16384 ? before / 2 : before * 2;
    return { spec: { MemoryMB: vm.memoryMb }, modified: `config.hardware.memoryMB: ${before} -> ${vm.memoryMb}` };
  }
  if (choice === 2 || (choice === 3 && vm.disks <= 1)) {
    vm.disks += 1;
    const key = 2000 + vm.disks - 1;
    const capacityInKB = random.pick([20, 50, 100, 200]) * 1_048_576;
    const device = { _typeName: 'VirtualDisk', Key: -100 - vm.disks, ControllerKey: 1000, UnitNumber: vm.disks - 1, CapacityInKB: capacityInKB };
    return {
      spec: { DeviceChange: [{ Operation: 'add', FileOperation: 'create', Device: device }] },
      added: `config.hardware.device(${key}): (key = ${key}, deviceInfo = (label = "Hard disk ${vm.disks}", summary = "${capacityInKB.toLocaleString('en-US')} KB"), capacityInKB = ${capacityInKB})`,
    };
  }
  if (choice === 3) {
    const key = 2000 + vm.disks - 1;
    vm.disks -= 1;
    const device = { _typeName: 'VirtualDisk', Key: key, ControllerKey: 1000, UnitNumber: vm.disks };
    return {
      spec: { DeviceChange: [{ Operation: 'remove', FileOperation: 'destroy', Device: device }] },
      deleted: `config.hardware.device(${key}): (key = ${key}, deviceInfo = (label = "Hard disk ${vm.disks + 1}"))`,
    };
  }
  const note = random.pick(['owner: team-web', 'owner: team-data', 'patch window: sun 02:00', 'ticket: CHG-4711']);
  return { spec: { Annotation: note }, modified: `config.annotation: "" -> "${note}"` };
}

export const vmReconfigured: ClassBuilder = ({ inventory, random }) => {
  if (inventory.vms.length === 0) return undefined;
  const vm = random.pick(inventory.vms);
  const change = reconfigure(vm, random);
  const ConfigSpec = { ChangeVersion: null, NumCPUs: null, MemoryMB: null, Annotation: null, DeviceChange: null, ...change.spec };
  // vCenter lists each section's lines terminated by "; " and blank lines.
  const section = (line: string | undefined) => (line ? `${line}; \n\n` : '');
  const ConfigChanges = { Modified: section(change.modified), Added: section(change.added), Deleted: section(change.deleted) };
  const message = `Reconfigured ${vmWhere(vm)}.  \n \nModified:  \n \n${ConfigChanges.Modified} Added:  \n \n${ConfigChanges.Added} Deleted:  \n \n${ConfigChanges.Deleted}`;
  return vmEvent('VmReconfiguredEvent', random.pick(operators), vm, message, { ConfigSpec, ConfigChanges });
};
