import { describe, expect, it } from 'vitest';
import type { Filter } from '../../src/config/types.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilters } from '../../src/filters/compile.js';

const event = (over: Record<string, unknown> = {}): CloudEventRecord =>
  ({ specversion: '1.0', id: '1', source: '/vc/prod', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'VmPoweredOffEvent', ...over }) as CloudEventRecord;

describe('subscription filters', () => {
  const issueExample: Filter[] = [
    { exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } },
    { any: [{ prefix: { subject: 'Vm' } }, { not: { suffix: { source: '/test' } } }] },
  ];

  it('matches every event when a subscription has no filters', () => {
    expect(compileFilters([])(event())).toBe(true);
  });

  it('needs every filter of a list to match', () => {
    const matches = compileFilters(issueExample);
    expect(matches(event())).toBe(true);
    expect(matches(event({ type: 'com.vmware.vsphere.VmPoweredOnEvent.v0' }))).toBe(false);
  });

  it('any matches when one branch matches and not inverts', () => {
    const matches = compileFilters(issueExample);
    expect(matches(event({ subject: 'Host', source: '/vc/prod' }))).toBe(true);
    expect(matches(event({ subject: 'Host', source: '/vc/test' }))).toBe(false);
  });

  it('an exact filter on several attributes needs all of them', () => {
    const matches = compileFilters([{ exact: { type: 'a', source: '/s' } }]);
    expect(matches(event({ type: 'a', source: '/s' }))).toBe(true);
    expect(matches(event({ type: 'a', source: '/other' }))).toBe(false);
  });

  it('filters on extension attributes, comparing non-string values as strings', () => {
    expect(compileFilters([{ exact: { priority: '5' } }])(event({ priority: 5 }))).toBe(true);
    expect(compileFilters([{ exact: { urgent: 'true' } }])(event({ urgent: true }))).toBe(true);
  });

  it('an absent attribute fails exact, prefix and suffix alike', () => {
    const noSubject = event({ subject: undefined });
    expect(compileFilters([{ exact: { subject: '' } }])(noSubject)).toBe(false);
    expect(compileFilters([{ prefix: { subject: '' } }])(noSubject)).toBe(false);
    expect(compileFilters([{ suffix: { subject: '' } }])(noSubject)).toBe(false);
    expect(compileFilters([{ not: { prefix: { subject: 'X' } } }])(noSubject)).toBe(true);
  });

  it('never treats data as an attribute', () => {
    expect(compileFilters([{ exact: { data: 'x' } }])(event({ data: 'x' }))).toBe(false);
  });
});
