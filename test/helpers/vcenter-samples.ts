// vSphere event objects shaped as contract section 3 gives them (PascalCase, _typeName,
// managed object references as {Type, Value}, null where a field does not apply), one per
// class the contract names. Written from the contract, not from the simulator.

type Sample = Record<string, unknown> & { _typeName: string; Key: number };

const ref = (Type: string, Value: string) => ({ Type, Value });

export function baseEvent(typeName: string, key: number, extra: Record<string, unknown> = {}): Sample {
  return {
    _typeName: typeName,
    Key: key,
    ChainId: key,
    CreatedTime: '2026-02-11T21:28:23.677595Z',
    UserName: 'VSPHERE.LOCAL\\Administrator',
    Datacenter: { Name: 'dc-01', Datacenter: ref('Datacenter', 'datacenter-2') },
    ComputeResource: { Name: 'cluster-01', ComputeResource: ref('ClusterComputeResource', 'domain-c7') },
    Host: { Name: 'esx-01.lab', Host: ref('HostSystem', 'host-21') },
    Vm: { Name: 'prod-web-01', Vm: ref('VirtualMachine', 'vm-56') },
    Ds: null,
    Net: null,
    Dvs: null,
    FullFormattedMessage: `${typeName} on esx-01.lab`,
    ChangeTag: '',
    Template: false,
    ...extra,
  };
}

/** One event of every class the contract names, keys ascending from `firstKey`. */
export function everyClass(firstKey: number): Sample[] {
  const classes: Array<[string, Record<string, unknown>]> = [
    ['VmPoweredOffEvent', {}],
    ['VmPoweredOnEvent', {}],
    ['VmCreatedEvent', {}],
    ['VmRemovedEvent', {}],
    ['DrsVmPoweredOnEvent', {}],
    ['VmReconfiguredEvent', {
      ConfigSpec: { NumCPUs: 4, MemoryMB: 8192 },
      ConfigChanges: { Modified: 'config.hardware.numCPU: 2 -> 4', Added: '', Deleted: '' },
    }],
    ['AlarmStatusChangedEvent', {
      Vm: null, Host: null,
      Alarm: { Name: 'Host CPU usage', Alarm: ref('Alarm', 'alarm-6') },
      Source: { Name: 'dc-01', Entity: ref('Datacenter', 'datacenter-2') },
      Entity: { Name: 'esx-01.lab', Entity: ref('HostSystem', 'host-21') },
      From: 'green', To: 'red',
    }],
    ['UserLoginSessionEvent', {
      Vm: null, Host: null, IpAddress: '10.0.0.7', UserAgent: 'govc/0.43', Locale: 'en', SessionId: '52b3c5a1',
    }],
    ['EnteredMaintenanceModeEvent', { Vm: null }],
    ['ExitMaintenanceModeEvent', { Vm: null }],
    ['EventEx', {
      EventTypeId: 'com.vmware.vc.HA.ClusterFailoverActionCompletedEvent', Severity: 'info', Message: '',
      Arguments: [{ Key: 'cluster', Value: 'cluster-01' }], ObjectId: 'domain-c7', ObjectType: 'ClusterComputeResource', ObjectName: 'cluster-01',
    }],
    ['ExtendedEvent', {
      EventTypeId: 'com.vmware.vsan.health.test.changed', ManagedObject: ref('ClusterComputeResource', 'domain-c7'),
      Data: [{ Key: 'test', Value: 'network' }],
    }],
  ];
  return classes.map(([typeName, extra], i) => baseEvent(typeName, firstKey + i * 3, extra));
}

/** The type and subject contract section 4 gives an event. */
export function expectedTypeName(event: Record<string, unknown>): string {
  const cls = event['_typeName'] as string;
  return cls === 'EventEx' || cls === 'ExtendedEvent' ? (event['EventTypeId'] as string) : cls;
}
