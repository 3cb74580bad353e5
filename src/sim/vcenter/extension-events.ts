// Events whose class is only a carrier (contract section 3): EventEx, identified by its
// EventTypeId, and ExtendedEvent, raised by extensions such as vSphere Lifecycle Manager.
// The source types them by EventTypeId, so a realistic spread of ids matters here.

import { base, type ClassBuilder, type Place } from './event-base.js';
import type { ClusterRecord, HostRecord, Inventory, VmRecord } from './inventory.js';
import type { Random } from './random.js';

type Subject = { kind: 'vm'; vm: VmRecord } | { kind: 'host'; host: HostRecord } | { kind: 'cluster'; cluster: ClusterRecord };

interface EventExKind {
  readonly eventTypeId: string;
  readonly severity: 'info' | 'warning' | 'error' | 'user';
  readonly on: Subject['kind'];
  /** The message and its arguments, for one subject. */
  readonly describe: (name: string, random: Random) => { message: string; args: Array<{ Key: string; Value: unknown }> };
}

const eventExKinds: readonly EventExKind[] = [
  {
    eventTypeId: 'com.vmware.vc.HA.ClusterFailoverActionCompletedEvent', severity: 'info', on: 'cluster',
    describe: (name) => ({ message: `vSphere HA completed a failover action in cluster ${name}`, args: [] }),
  },
  {
    eventTypeId: 'com.vmware.vc.vm.VmStateRevertedToSnapshot', severity: 'info', on: 'vm',
    describe: (name, random) => {
      const snapshot = random.pick(['before-patch', 'pre-upgrade', 'golden']);
      return { message: `The execution state of the virtual machine ${name} has been reverted to the state of snapshot ${snapshot}`, args: [{ Key: 'snapshotName', Value: snapshot }] };
    },
  },
  {
    eventTypeId: 'com.vmware.vc.guestOperations.GuestOperation', severity: 'info', on: 'vm',
    describe: (name, random) => {
      const operation = random.pick(['Start Program', 'Copy file to guest', 'List processes']);
      return { message: `Guest operation ${operation} performed on Virtual machine ${name}.`, args: [{ Key: 'operation', Value: operation }] };
    },
  },
  {
    eventTypeId: 'esx.problem.net.vmnic.linkstate.down', severity: 'warning', on: 'host',
    describe: (_name, random) => {
      const nic = `vmnic${random.int(0, 3)}`;
      return { message: `Physical NIC ${nic} linkstate is down`, args: [{ Key: '1', Value: nic }] };
    },
  },
  {
    eventTypeId: 'esx.audit.ssh.enabled', severity: 'info', on: 'host',
    describe: () => ({ message: 'SSH access has been enabled', args: [] }),
  },
  {
    eventTypeId: 'com.vmware.vc.certmgr.HostCertExpirationImminentEvent', severity: 'warning', on: 'host',
    describe: (name, random) => {
      const days = random.int(3, 30);
      return { message: `Host Certificate on ${name} will expire in ${days} days`, args: [{ Key: 'hostName', Value: name }, { Key: 'daysRemaining', Value: days }] };
    },
  },
];

/** A subject of the given kind that is there to have the event (running VMs, hosts up). */
function pickSubject(inventory: Inventory, random: Random, kind: Subject['kind']): Subject | undefined {
  if (kind === 'vm') {
    const running = inventory.vms.filter((v) => v.poweredOn);
    return running.length ? { kind, vm: random.pick(running) } : undefined;
  }
  if (kind === 'host') return { kind, host: random.pick(inventory.hosts.filter((h) => !h.inMaintenance)) };
  return { kind, cluster: random.pick(inventory.clusters) };
}

const named = (s: Subject) => (s.kind === 'vm' ? s.vm : s.kind === 'host' ? s.host : s.cluster);
const placeOf = (s: Subject): Place => (s.kind === 'vm' ? { vm: s.vm } : s.kind === 'host' ? { host: s.host } : { cluster: s.cluster });

export const eventEx: ClassBuilder = ({ inventory, random }) => {
  const kind = random.pick(eventExKinds);
  const subject = pickSubject(inventory, random, kind.on);
  if (!subject) return undefined;
  const object = named(subject);
  const { message, args } = kind.describe(object.name, random);
  return {
    ...base('EventEx', '', placeOf(subject), message),
    EventTypeId: kind.eventTypeId,
    Severity: kind.severity,
    Message: message,
    Arguments: args,
    ObjectId: object.ref.Value,
    ObjectType: object.ref.Type,
    ObjectName: object.name,
    Fault: null,
  };
};

const extendedKinds = [
  { eventTypeId: 'com.vmware.vcIntegrity.ScanSuccess', message: (host: string) => `Successfully scanned ${host}` },
  { eventTypeId: 'com.vmware.vcIntegrity.RemediateSuccess', message: (host: string) => `Remediation succeeded for ${host}` },
  { eventTypeId: 'com.vmware.vcIntegrity.StageSuccess', message: (host: string) => `Staging succeeded for ${host}` },
] as const;

/** vSphere Lifecycle Manager reporting on a host. */
export const extendedEvent: ClassBuilder = ({ inventory, random }) => {
  const kind = random.pick(extendedKinds);
  const host = random.pick(inventory.hosts);
  return {
    ...base('ExtendedEvent', '', { host }, kind.message(host.name)),
    EventTypeId: kind.eventTypeId,
    ManagedObject: host.ref,
    Data: [
      { Key: 'hostName', Value: host.name },
      { Key: 'baseline', Value: random.pick(['Critical Host Patches (Predefined)', 'Non-Critical Host Patches (Predefined)']) },
    ],
  };
};
