// The weighted mix of event classes (contract section 3) a vCenter of this size produces:
// logins and alarms most, then VM power operations and reconfigurations, EventEx and
// extension events, the odd create/remove and maintenance window.

import type { ClassBuilder, EventBody, GeneratorContext } from './event-base.js';
import { eventEx, extendedEvent } from './extension-events.js';
import { alarmStatusChanged, enteredMaintenanceMode, exitMaintenanceMode, userLoginSession } from './infra-events.js';
import { createInventory } from './inventory.js';
import type { Random } from './random.js';
import type { EventClass, VsphereEvent } from './types.js';
import { drsVmPoweredOn, vmCreated, vmPoweredOff, vmPoweredOn, vmReconfigured, vmRemoved } from './vm-events.js';

interface MixEntry {
  readonly weight: number;
  readonly build: ClassBuilder;
  /** Raised at the end of a task: its ChainId is the key of the task's first event. */
  readonly chained: boolean;
}

export const eventMix: Readonly<Record<EventClass, MixEntry>> = {
  UserLoginSessionEvent: { weight: 16, build: userLoginSession, chained: false },
  AlarmStatusChangedEvent: { weight: 15, build: alarmStatusChanged, chained: false },
  VmPoweredOnEvent: { weight: 10, build: vmPoweredOn, chained: true },
  VmPoweredOffEvent: { weight: 11, build: vmPoweredOff, chained: true },
  VmReconfiguredEvent: { weight: 10, build: vmReconfigured, chained: true },
  EventEx: { weight: 12, build: eventEx, chained: false },
  ExtendedEvent: { weight: 6, build: extendedEvent, chained: false },
  DrsVmPoweredOnEvent: { weight: 5, build: drsVmPoweredOn, chained: true },
  VmCreatedEvent: { weight: 5, build: vmCreated, chained: true },
  VmRemovedEvent: { weight: 4, build: vmRemoved, chained: true },
  EnteredMaintenanceModeEvent: { weight: 3, build: enteredMaintenanceMode, chained: true },
  ExitMaintenanceModeEvent: { weight: 3, build: exitMaintenanceMode, chained: true },
};

const entries = Object.values(eventMix);
const totalWeight = entries.reduce((sum, e) => sum + e.weight, 0);

/** What the event log stamps on each event it creates. */
export interface EventStamp {
  readonly key: number;
  /** The first key skipped just before this one (the task's own events, not streamed), if any. */
  readonly skippedFrom: number | undefined;
  readonly createdTime: string;
}

export interface EventGenerator {
  next(stamp: EventStamp): VsphereEvent;
}

export function createEventGenerator(random: Random): EventGenerator {
  const context: GeneratorContext = { inventory: createInventory(random), random };
  const draw = (): MixEntry => {
    let roll = random.next() * totalWeight;
    for (const entry of entries) if ((roll -= entry.weight) < 0) return entry;
    return entries[entries.length - 1]!;
  };
  return {
    next({ key, skippedFrom, createdTime }) {
      // A class the inventory does not allow now (no VM is off to power on) draws again;
      // a login is always possible.
      let entry = draw();
      let body: EventBody | undefined;
      for (let tries = 0; tries < 20 && !(body = entry.build(context)); tries++) entry = draw();
      if (!body) [entry, body] = [eventMix.UserLoginSessionEvent, userLoginSession(context)!];
      const chainId = entry.chained && skippedFrom !== undefined ? skippedFrom : key;
      const { _typeName, ...fields } = body;
      return Object.freeze({ _typeName, Key: key, ChainId: chainId, CreatedTime: createdTime, ...fields });
    },
  };
}
