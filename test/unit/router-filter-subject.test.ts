import { describe, expect, it } from 'vitest';
import { consumerFilterSubject } from '../../src/router/filter-subject.js';
import { eventSubject } from '../../src/events/subjects.js';

// NATS subject matching, enough to check that a filter subject admits the events it must.
function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== '*' && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

describe('consumer filter subjects', () => {
  it('narrows an exact type to that type from any source', () => {
    const filter = consumerFilterSubject([{ exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } }]);
    expect(filter).toBe('events.*.com.vmware.vsphere.VmPoweredOffEvent.v0');
    expect(subjectMatches(filter, eventSubject('vc-lab', 'com.vmware.vsphere.VmPoweredOffEvent.v0'))).toBe(true);
    expect(subjectMatches(filter, eventSubject('vc-lab', 'com.vmware.vsphere.VmPoweredOnEvent.v0'))).toBe(false);
  });

  it('narrows a type prefix to its complete tokens and still admits every type with that prefix', () => {
    const filter = consumerFilterSubject([{ prefix: { type: 'com.vmware.vsphere.Vm' } }]);
    expect(filter).toBe('events.*.com.vmware.vsphere.>');
    for (const type of ['com.vmware.vsphere.Vm', 'com.vmware.vsphere.VmPoweredOffEvent.v0', 'com.vmware.vsphere.Vm.x']) {
      expect(subjectMatches(filter, eventSubject('s', type))).toBe(true);
    }
  });

  it('does not narrow on filters that need not all match', () => {
    expect(consumerFilterSubject([{ any: [{ exact: { type: 'a' } }, { exact: { type: 'b' } }] }])).toBe('events.>');
    expect(consumerFilterSubject([{ not: { exact: { type: 'a' } } }])).toBe('events.>');
    expect(consumerFilterSubject([])).toBe('events.>');
  });

  it('never narrows on data or cesql filters, which the server cannot see into', () => {
    expect(consumerFilterSubject([{ data: { path: 'type', equals: 'a' } }])).toBe('events.>');
    expect(consumerFilterSubject([{ cesql: "type = 'com.vmware.vsphere.VmPoweredOffEvent.v0'" }])).toBe('events.>');
    expect(consumerFilterSubject([{ any: [{ exact: { type: 'a' } }, { cesql: "type = 'a'" }] }])).toBe('events.>');
    expect(consumerFilterSubject([{ not: { data: { path: 'x', exists: true } } }])).toBe('events.>');
  });

  it('still narrows on an exact type beside data and cesql filters, all of which must match', () => {
    const filters = [{ data: { path: 'Vm.Name', prefix: 'prod-' } }, { all: [{ cesql: 'priority > 3' }, { exact: { type: 'com.a.B' } }] }];
    expect(consumerFilterSubject(filters)).toBe('events.*.com.a.B');
  });

  it('escapes what a subject token cannot hold so odd types still match', () => {
    const type = 'weird type.with*star..and>';
    const filter = consumerFilterSubject([{ exact: { type } }]);
    expect(subjectMatches(filter, eventSubject('s', type))).toBe(true);
    expect(filter).not.toMatch(/\s|\*(?!\.)|\.\./u);
  });
});
