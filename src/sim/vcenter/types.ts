// The shapes the simulator serves (contract section 3): vSphere event objects as the
// govmomi JSON encoding gives them — PascalCase fields, `_typeName`, managed object
// references as {Type, Value}, null where a field does not apply.

/** A managed object reference. */
export interface MoRef {
  readonly Type: string;
  readonly Value: string;
}

/** `{Name, <Kind>: MoRef}`, the argument shape vSphere events name entities with. */
export type EntityArgument<K extends string> = { readonly Name: string } & { readonly [P in K]: MoRef };

/** The fields every event carries (contract section 3's example, `Template` aside). */
export interface BaseEvent {
  readonly _typeName: string;
  readonly Key: number;
  readonly ChainId: number;
  /** RFC 3339, microseconds, UTC. */
  readonly CreatedTime: string;
  /** `DOMAIN\user`; empty for events the system raised on its own. */
  readonly UserName: string;
  readonly Datacenter: EntityArgument<'Datacenter'> | null;
  readonly ComputeResource: EntityArgument<'ComputeResource'> | null;
  readonly Host: EntityArgument<'Host'> | null;
  readonly Vm: EntityArgument<'Vm'> | null;
  readonly Ds: EntityArgument<'Datastore'> | null;
  readonly Net: EntityArgument<'Network'> | null;
  readonly Dvs: EntityArgument<'Dvs'> | null;
  readonly FullFormattedMessage: string;
  readonly ChangeTag: string;
}

/** Any event the simulator serves: the base fields plus the class's own. */
export type VsphereEvent = BaseEvent & {
  /** EventEx and ExtendedEvent only: what the event is (the CloudEvent type is built from it). */
  readonly EventTypeId?: string;
  readonly [field: string]: unknown;
};

/** The event classes the simulator generates (the contract's list). */
export const eventClasses = [
  'VmPoweredOnEvent',
  'VmPoweredOffEvent',
  'VmCreatedEvent',
  'VmRemovedEvent',
  'DrsVmPoweredOnEvent',
  'VmReconfiguredEvent',
  'AlarmStatusChangedEvent',
  'UserLoginSessionEvent',
  'EnteredMaintenanceModeEvent',
  'ExitMaintenanceModeEvent',
  'EventEx',
  'ExtendedEvent',
] as const;

export type EventClass = (typeof eventClasses)[number];
