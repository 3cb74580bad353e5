// A vSphere event object (contract section 3) as the CloudEvent the source publishes
// (contract section 4), compatible with what the VMware Event Broker Appliance delivers so
// existing filters carry over.

import type { EventCandidate } from '../source.js';
import { isKey } from './frames.js';
import { isRfc3339Timestamp } from '../../src/events/attribute-types.js';

/** A vSphere event whose Key and class were checked. */
export interface VsphereEvent {
  readonly key: number;
  /** `_typeName`, e.g. VmPoweredOffEvent. */
  readonly className: string;
  /** The class, or the EventTypeId for EventEx/ExtendedEvent (contract section 4). */
  readonly typeName: string;
  readonly eventClass: 'event' | 'eventex' | 'extendedevent';
  readonly object: Readonly<Record<string, unknown>>;
}

/** Context every event of one connection shares. */
export interface MappingContext {
  /** The configured vCenter URL, as written. */
  readonly source: string;
  /** `apiVersion` from the connection's hello. */
  readonly apiVersion: string;
}

// Classes whose CloudEvent type is their EventTypeId rather than their class name.
const classesTypedById: Readonly<Record<string, VsphereEvent['eventClass']>> = {
  EventEx: 'eventex',
  ExtendedEvent: 'extendedevent',
};

/** Checks one element of an `event`/`batch` frame; a string says what is wrong with it. */
export function readVsphereEvent(value: unknown): VsphereEvent | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const object = value as Record<string, unknown>;
  const key = object['Key'];
  if (!isKey(key)) return `Key ${describe(key)} is not a positive integer`;
  const className = object['_typeName'];
  if (typeof className !== 'string' || className === '') return `event ${key}: _typeName is not a non-empty string`;
  const byId = Object.hasOwn(classesTypedById, className) ? classesTypedById[className] : undefined;
  if (byId === undefined) return { key, className, typeName: className, eventClass: 'event', object };
  const id = object['EventTypeId'];
  if (typeof id !== 'string' || id === '') return `event ${key}: ${className} without an EventTypeId`;
  return { key, className, typeName: id, eventClass: byId, object };
}

export function toCloudEvent(event: VsphereEvent, context: MappingContext): EventCandidate {
  const { _typeName: _omitted, ...data } = event.object;
  const created = event.object['CreatedTime'];
  return {
    specversion: '1.0',
    id: String(event.key),
    source: context.source,
    type: `com.vmware.vsphere.${event.typeName}.v0`,
    subject: event.typeName,
    // Left out rather than invented when the server sent none or one that is not RFC 3339:
    // a malformed time must not cost the whole event.
    ...(typeof created === 'string' && isRfc3339Timestamp(created) ? { time: created } : {}),
    datacontenttype: 'application/json',
    eventclass: event.eventClass,
    ...(context.apiVersion === '' ? {} : { vsphereapiversion: context.apiVersion }),
    data,
  };
}

function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
