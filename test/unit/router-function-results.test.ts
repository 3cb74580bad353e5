import { describe, expect, it } from 'vitest';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { chainDepth, resultEvents } from '../../src/router/function-results.js';

const trigger = { specversion: '1.0', id: 'evt-1', source: '/vc', type: 'com.vmware.vsphere.VmCreatedEvent.v0' } as CloudEventRecord;

describe('events returned by functions', () => {
  it('publishes a returned CloudEvent with the function as source, the trigger as causation and depth 1', () => {
    const [event] = resultEvents({ specversion: '1.0', type: 'com.example.tagged', data: { vm: 'web-01' } }, trigger, 'tag-vm', 'tag-new');
    expect(event).toMatchObject({
      specversion: '1.0', type: 'com.example.tagged', source: 'switchboard/functions/tag-vm',
      switchboardcausation: 'evt-1', switchboarddepth: 1, data: { vm: 'web-01' },
    });
    expect(event!.id).toMatch(/^[0-9a-f]{32}$/u);
  });

  it('derives the same ids when a retried invocation returns the same events', () => {
    const result = [{ specversion: '1.0', type: 'a' }, { specversion: '1.0', type: 'b' }];
    const first = resultEvents(result, trigger, 'f', 's').map((e) => e.id);
    expect(resultEvents(result, trigger, 'f', 's').map((e) => e.id)).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });

  it('treats any other return value as a plain result, not an event', () => {
    expect(resultEvents({ notified: true }, trigger, 'f', 's')).toEqual([]);
    expect(resultEvents(undefined, trigger, 'f', 's')).toEqual([]);
    expect(resultEvents([{ ok: 1 }], trigger, 'f', 's')).toEqual([]);
  });

  it('counts the chain one deeper than the trigger, whatever the function claims', () => {
    const deep = { ...trigger, switchboarddepth: 7 } as CloudEventRecord;
    const [event] = resultEvents({ specversion: '1.0', type: 't', switchboarddepth: 0 }, deep, 'f', 's');
    expect(event!.switchboarddepth).toBe(8);
    expect(chainDepth(trigger)).toBe(0);
  });
});
