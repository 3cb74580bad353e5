import { describe, expect, it } from 'vitest';
import { gapEvent, gapEventId, gapEventType, lostUpperBound } from '../../sources/vcenter/gap.js';
import { readVsphereEvent, toCloudEvent, type VsphereEvent } from '../../sources/vcenter/to-cloudevent.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { baseEvent, everyClass, expectedTypeName } from '../helpers/vcenter-samples.js';

const context = { source: 'https://vc-lab.example/sdk', apiVersion: '8.0.3.0' };

function read(value: unknown): VsphereEvent {
  const event = readVsphereEvent(value);
  if (typeof event === 'string') throw new Error(event);
  return event;
}

describe('vSphere event to CloudEvent (contract section 4)', () => {
  it.each(everyClass(9902).map((e) => [e._typeName, e] as const))('maps %s', (_name, sample) => {
    const ce = validateCloudEvent(toCloudEvent(read(sample), context));
    const typeName = expectedTypeName(sample);
    expect(ce).toMatchObject({
      specversion: '1.0',
      id: String(sample.Key),
      source: 'https://vc-lab.example/sdk',
      type: `com.vmware.vsphere.${typeName}.v0`,
      subject: typeName,
      time: '2026-02-11T21:28:23.677595Z',
      datacontenttype: 'application/json',
      vsphereapiversion: '8.0.3.0',
    });
    const { _typeName, ...data } = sample;
    expect(ce.data).toEqual(data);
  });

  it('names the event class: event, eventex, extendedevent', () => {
    const classes = everyClass(1).map((e) => toCloudEvent(read(e), context)['eventclass']);
    expect(classes.slice(0, 10).every((c) => c === 'event')).toBe(true);
    expect(classes.slice(10)).toEqual(['eventex', 'extendedevent']);
  });

  it('types EventEx and ExtendedEvent by their EventTypeId', () => {
    const [eventEx, extended] = everyClass(1).slice(10);
    expect(toCloudEvent(read(eventEx), context)).toMatchObject({
      type: 'com.vmware.vsphere.com.vmware.vc.HA.ClusterFailoverActionCompletedEvent.v0',
      subject: 'com.vmware.vc.HA.ClusterFailoverActionCompletedEvent',
    });
    expect(toCloudEvent(read(extended), context)).toMatchObject({
      type: 'com.vmware.vsphere.com.vmware.vsan.health.test.changed.v0',
      subject: 'com.vmware.vsan.health.test.changed',
    });
  });

  it('keeps keys beyond 2^31 exact as decimal ids', () => {
    const key = 2 ** 31 + 12_345;
    expect(toCloudEvent(read(baseEvent('VmPoweredOffEvent', key)), context)['id']).toBe('2147495993');
    const large = Number.MAX_SAFE_INTEGER;
    expect(toCloudEvent(read(baseEvent('VmPoweredOffEvent', large)), context)['id']).toBe('9007199254740991');
  });

  it('keeps null fields and removes only _typeName, without touching the server object', () => {
    const sample = baseEvent('VmPoweredOffEvent', 7);
    const data = toCloudEvent(read(sample), context)['data'] as Record<string, unknown>;
    expect(data).toHaveProperty('Ds', null);
    expect(data).toHaveProperty('Net', null);
    expect(data).toHaveProperty('Dvs', null);
    expect(data).not.toHaveProperty('_typeName');
    expect(data['Key']).toBe(7);
    expect(sample._typeName).toBe('VmPoweredOffEvent');
  });

  it('leaves time out when the event carries no CreatedTime', () => {
    const ce = toCloudEvent(read(baseEvent('VmPoweredOffEvent', 7, { CreatedTime: null })), context);
    expect(ce).not.toHaveProperty('time');
    expect(() => validateCloudEvent(ce)).not.toThrow();
  });

  it.each([
    ['no Key', { _typeName: 'VmPoweredOffEvent' }],
    ['Key 0', baseEvent('VmPoweredOffEvent', 0)],
    ['a negative Key', baseEvent('VmPoweredOffEvent', -4)],
    ['a fractional Key', baseEvent('VmPoweredOffEvent', 4.5)],
    ['a Key beyond 2^53', baseEvent('VmPoweredOffEvent', 2 ** 53 + 2)],
    ['a Key as a string', { ...baseEvent('VmPoweredOffEvent', 1), Key: '12' }],
    ['no _typeName', { ...baseEvent('VmPoweredOffEvent', 1), _typeName: undefined }],
    ['an empty _typeName', baseEvent('', 1)],
    ['EventEx without EventTypeId', baseEvent('EventEx', 1)],
    ['ExtendedEvent with an empty EventTypeId', baseEvent('ExtendedEvent', 1, { EventTypeId: '' })],
    ['an array', [1, 2]],
    ['null', null],
  ])('refuses an event with %s', (_what, value) => {
    expect(typeof readVsphereEvent(value)).toBe('string');
  });
});

describe('the gap event', () => {
  const gap = { kind: 'gap', requestedSince: 100, oldestKey: 250 } as const;

  it('is the source’s own CloudEvent with the gap in its data', () => {
    const ce = validateCloudEvent(gapEvent(gap, 'uuid-1', 'https://vc-lab.example', new Date('2026-01-01T00:00:00Z')));
    expect(ce).toMatchObject({
      type: gapEventType,
      source: 'https://vc-lab.example',
      data: { requestedSince: 100, oldestKey: 250, instanceUuid: 'uuid-1' },
    });
  });

  it('has an id fixed by instance and interval, so a repeated gap frame is stored once', () => {
    expect(gapEventId('uuid-1', gap)).toBe(gapEventId('uuid-1', { ...gap }));
    expect(gapEventId('uuid-1', gap)).not.toBe(gapEventId('uuid-2', gap));
    expect(gapEventId('uuid-1', gap)).not.toBe(gapEventId('uuid-1', { ...gap, oldestKey: 251 }));
    expect(gapEventId('uuid-1', gap)).not.toMatch(/^[0-9]+$/); // never a vSphere event id
  });

  it('counts the keys strictly between as lost, at most', () => {
    expect(lostUpperBound(gap)).toBe(149);
    expect(lostUpperBound({ kind: 'gap', requestedSince: 5, oldestKey: 6 })).toBe(0);
  });
});
