import { describe, expect, it } from 'vitest';
import { InvalidFilterError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { checkFilters, compileFilters, filterWarnings } from '../../src/filters/compile.js';
import type { FilterEvaluationError } from '../../src/filters/compiled.js';

const alarm = (extra: Record<string, unknown> = {}) =>
  ({ specversion: '1.0', id: 'a1', source: '/vcenter/vc-lab', type: 'com.vmware.vsphere.AlarmStatusChangedEvent.v0', subject: 'AlarmStatusChangedEvent', severity: 'red', data: { To: 'red' }, ...extra }) as CloudEventRecord;

describe('the cesql dialect', () => {
  it('matches when the expression is TRUE and composes with the other dialects', () => {
    expect(compileFilters([{ cesql: "type LIKE 'com.vmware.vsphere.Alarm%' AND severity = 'red'" }])(alarm())).toBe(true);
    expect(compileFilters([{ cesql: "severity = 'green'" }])(alarm())).toBe(false);
    const matches = compileFilters([
      { prefix: { source: '/vcenter/' } },
      { any: [{ cesql: "severity IN ('red', 'critical')" }, { data: { path: 'To', equals: 'red' } }] },
      { not: { cesql: "subject = 'HostDisconnectedEvent'" } },
    ]);
    expect(matches(alarm())).toBe(true);
    expect(matches(alarm({ severity: 'green', data: { To: 'green' } }))).toBe(false);
    expect(matches(alarm({ severity: 'green' }))).toBe(true); // the data branch
  });

  it('does not match on an evaluation error, and tells the sink each one with the event', () => {
    const heard: [FilterEvaluationError, string][] = [];
    const matches = compileFilters([{ cesql: 'INT(severity) > 1' }], { onError: (e, event) => heard.push([e, event.id]) });
    expect(matches(alarm())).toBe(false);
    expect(heard).toEqual([[expect.objectContaining({ kind: 'cast', expression: 'INT(severity) > 1' }), 'a1']]);
    expect(matches(alarm({ severity: '7' }))).toBe(true);
    expect(heard).toHaveLength(1);
  });

  it('refuses an expression that does not parse, with its position, at compile time', () => {
    expect(() => compileFilters([{ cesql: "severity = 'red' AND" }])).toThrow(InvalidFilterError);
    const [problem] = checkFilters([{ all: [{ exact: { type: 'x' } }, { cesql: "severity = = 'red'" }] }]);
    expect(problem).toMatchObject({ path: [0, 'all', 1, 'cesql'], position: 11 });
    expect(problem!.message).toMatch(/^CESQL expression does not parse: /u);
  });

  it('passes on the engine warnings, with where the filter is', () => {
    const warnings = filterWarnings([{ exact: { type: 'x' } }, { any: [{ cesql: "data = 'x'" }] }]);
    expect(warnings).toEqual([{ path: 'filters[1].any[0]', message: expect.stringContaining('use a data: filter') }]);
  });
});
