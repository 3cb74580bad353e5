import { describe, expect, it } from 'vitest';
import { InvalidFilterError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilters } from '../../src/filters/compile.js';
import type { DataMatcher } from '../../src/filters/types.js';

const vmEvent = (data: unknown, extra: Record<string, unknown> = {}): CloudEventRecord =>
  ({ specversion: '1.0', id: '1', source: '/vc', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', data, ...extra }) as CloudEventRecord;

const payload = {
  Vm: { Name: 'prod-web-01', Cpus: 4, Tags: ['web', 'Prod'], Power: null },
  To: 'red',
  Arguments: [{ Key: 'alarm', Value: 'Host CPU' }, { Key: 'host', Value: 'esx-07' }],
  CreatedTime: '2024-05-01T10:00:00.123456Z',
  'com.vmware.key': { Value: 'dotted' },
  Ok: true,
};

/** Does the matcher match `data`? */
const test = (matcher: DataMatcher, data: unknown = payload) => compileFilters([{ data: matcher }])(vmEvent(data));

describe('data matchers', () => {
  it('equals and notEquals compare JSON values with their types', () => {
    expect(test({ path: 'To', equals: 'red' })).toBe(true);
    expect(test({ path: 'To', equals: 'Red' })).toBe(false);
    expect(test({ path: 'Vm.Cpus', equals: 4 })).toBe(true);
    // The number 4 is not the string "4": types are never converted.
    expect(test({ path: 'Vm.Cpus', equals: '4' })).toBe(false);
    expect(test({ path: 'Ok', equals: true })).toBe(true);
    expect(test({ path: 'Ok', equals: 'true' })).toBe(false);
    expect(test({ path: 'Vm.Power', equals: null })).toBe(true);
    expect(test({ path: 'To', notEquals: 'green' })).toBe(true);
    expect(test({ path: 'To', notEquals: 'red' })).toBe(false);
    expect(test({ path: 'Vm.Cpus', notEquals: '4' })).toBe(true);
  });

  it('caseInsensitive folds strings for every string comparison', () => {
    expect(test({ path: 'To', equals: 'RED', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'To', notEquals: 'RED', caseInsensitive: true })).toBe(false);
    expect(test({ path: 'Vm.Name', prefix: 'PROD-', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'Vm.Name', suffix: '-WEB-01', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'Vm.Name', contains: 'WEB', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'Vm.Tags', contains: 'prod', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'Vm.Name', regex: '^PROD-', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'Vm.Name', wildcard: 'PROD-*', caseInsensitive: true })).toBe(true);
    expect(test({ path: 'To', in: ['YELLOW', 'RED'], caseInsensitive: true })).toBe(true);
    expect(test({ path: 'To', in: ['YELLOW', 'RED'] })).toBe(false);
  });

  it('prefix, suffix and contains test strings, and contains finds an item of an array', () => {
    expect(test({ path: 'Vm.Name', prefix: 'prod-' })).toBe(true);
    expect(test({ path: 'Vm.Name', prefix: 'test-' })).toBe(false);
    expect(test({ path: 'Vm.Name', suffix: '-01' })).toBe(true);
    expect(test({ path: 'Vm.Name', contains: 'web' })).toBe(true);
    expect(test({ path: 'Vm.Tags', contains: 'web' })).toBe(true);
    expect(test({ path: 'Vm.Tags', contains: 'we' })).toBe(false); // an item equal to it, not a substring of one
    expect(test({ path: 'Vm.Cpus', prefix: '4' })).toBe(false); // a number is not a string
  });

  it('regex finds a match anywhere (anchor it for the whole value) and sees only strings', () => {
    expect(test({ path: 'Vm.Name', regex: 'web-[0-9]+' })).toBe(true);
    expect(test({ path: 'Vm.Name', regex: '^web' })).toBe(false);
    expect(test({ path: 'Vm.Cpus', regex: '4' })).toBe(false);
  });

  it('wildcard matches the whole value with * and ?, and \\* is a star', () => {
    expect(test({ path: 'Vm.Name', wildcard: 'prod-*' })).toBe(true);
    expect(test({ path: 'Vm.Name', wildcard: 'prod-???-0?' })).toBe(true);
    expect(test({ path: 'Vm.Name', wildcard: 'prod' })).toBe(false);
    expect(test({ path: 'Vm.Name', wildcard: '*web*' })).toBe(true);
    expect(test({ path: 'Name', wildcard: 'a\\*' }, { Name: 'a*' })).toBe(true);
    expect(test({ path: 'Name', wildcard: 'a\\*' }, { Name: 'ab' })).toBe(false);
    expect(test({ path: 'Name', wildcard: 'a.c' }, { Name: 'abc' })).toBe(false); // a dot is a dot
    expect(test({ path: 'Name', wildcard: 'line*' }, { Name: 'line1\nline2' })).toBe(true);
  });

  it('exists: true needs the path, exists: false its absence, and a null value exists', () => {
    expect(test({ path: 'Vm.Name', exists: true })).toBe(true);
    expect(test({ path: 'Vm.Power', exists: true })).toBe(true);
    expect(test({ path: 'Vm.Host', exists: true })).toBe(false);
    expect(test({ path: 'Vm.Host', exists: false })).toBe(true);
    expect(test({ path: 'Vm.Name', exists: false })).toBe(false);
    expect(test({ path: 'Vm.Name.Length', exists: false })).toBe(true); // past a string
  });

  it('a missing path matches no operator but exists: false, notEquals included', () => {
    for (const op of [{ equals: 'x' }, { notEquals: 'x' }, { prefix: '' }, { contains: 'x' }, { regex: '' }, { wildcard: '*' }, { in: ['x'] }, { gt: 0 }, { lte: 0 }]) {
      expect(test({ path: 'No.Such.Key', ...op } as DataMatcher)).toBe(false);
    }
  });

  it('indexes arrays with numeric segments, in a dotted path or a list', () => {
    expect(test({ path: 'Arguments.1.Value', equals: 'esx-07' })).toBe(true);
    expect(test({ path: ['Arguments', 0, 'Key'], equals: 'alarm' })).toBe(true);
    expect(test({ path: 'Arguments.2.Value', exists: false })).toBe(true);
    expect(test({ path: 'Arguments.01.Value', exists: true })).toBe(false); // not an index
    expect(test({ path: '0.Name', equals: 'a' }, [{ Name: 'a' }])).toBe(true); // data itself an array
    expect(test({ path: '0', equals: 'zero' }, { 0: 'zero' })).toBe(true); // on an object "0" is a key
  });

  it('reaches keys holding dots with the list form of path', () => {
    expect(test({ path: ['com.vmware.key', 'Value'], equals: 'dotted' })).toBe(true);
    expect(test({ path: 'com.vmware.key.Value', exists: true })).toBe(false);
  });

  it('walks only the payload own keys (no prototype members)', () => {
    expect(test({ path: 'constructor', exists: true })).toBe(false);
    expect(test({ path: 'Vm.Name.length', exists: true })).toBe(false);
    expect(test({ path: 'Vm.Tags.length', exists: true })).toBe(false);
  });

  it('compares numbers with gt, gte, lt, lte and never numeric strings', () => {
    expect(test({ path: 'Vm.Cpus', gt: 3 })).toBe(true);
    expect(test({ path: 'Vm.Cpus', gt: 4 })).toBe(false);
    expect(test({ path: 'Vm.Cpus', gte: 4 })).toBe(true);
    expect(test({ path: 'Vm.Cpus', lt: 4.5 })).toBe(true);
    expect(test({ path: 'Vm.Cpus', lte: 3 })).toBe(false);
    expect(test({ path: 'N', gt: 3 }, { N: '10' })).toBe(false);
  });

  it('compares RFC 3339 times as instants, across offsets and to any fraction', () => {
    expect(test({ path: 'CreatedTime', gt: '2024-05-01T10:00:00Z' })).toBe(true);
    expect(test({ path: 'CreatedTime', gt: '2024-05-01T10:00:00.123456Z' })).toBe(false);
    expect(test({ path: 'CreatedTime', gte: '2024-05-01T10:00:00.1234560Z' })).toBe(true);
    expect(test({ path: 'CreatedTime', lt: '2024-05-01T10:00:00.1234561Z' })).toBe(true);
    // 12:00+02:00 is 10:00Z: the same instant written in another offset.
    expect(test({ path: 'CreatedTime', gt: '2024-05-01T12:00:00+02:00' })).toBe(true);
    expect(test({ path: 'CreatedTime', lt: '2024-05-01T06:00:01-04:00' })).toBe(true);
    expect(test({ path: 'CreatedTime', lte: '2024-05-01T09:59:59.999Z' })).toBe(false);
    // A string that is not a time, or a number, never compares with a time.
    expect(test({ path: 'To', gt: '2024-05-01T00:00:00Z' })).toBe(false);
    expect(test({ path: 'Vm.Cpus', gt: '2024-05-01T00:00:00Z' })).toBe(false);
    expect(test({ path: 'CreatedTime', gt: 0 })).toBe(false);
  });

  it('in matches one of the listed values, with their types', () => {
    expect(test({ path: 'To', in: ['yellow', 'red'] })).toBe(true);
    expect(test({ path: 'To', in: ['yellow', 'green'] })).toBe(false);
    expect(test({ path: 'Vm.Cpus', in: [2, 4, 8] })).toBe(true);
    expect(test({ path: 'Vm.Cpus', in: ['4'] })).toBe(false);
  });

  it('does not look into binary, string or absent data: nothing exists there', () => {
    const binary = { ...vmEvent(undefined), data_base64: Buffer.from('{"To":"red"}').toString('base64') } as CloudEventRecord;
    expect(compileFilters([{ data: { path: 'To', equals: 'red' } }])(binary)).toBe(false);
    expect(compileFilters([{ data: { path: 'To', exists: false } }])(binary)).toBe(true);
    expect(test({ path: 'To', equals: 'red' }, '{"To":"red"}')).toBe(false);
    const { data: _none, ...noData } = vmEvent(null);
    expect(compileFilters([{ data: { path: 'To', exists: false } }])(noData as CloudEventRecord)).toBe(true);
    expect(test({ path: 'To', exists: false }, null)).toBe(true);
  });

  it('composes with attribute filters, all, any and not', () => {
    const matches = compileFilters([
      { exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } },
      { any: [{ data: { path: 'Vm.Name', prefix: 'prod-' } }, { data: { path: 'Vm.Cpus', gt: 16 } }] },
      { not: { data: { path: 'Vm.Tags', contains: 'test' } } },
    ]);
    expect(matches(vmEvent(payload))).toBe(true);
    expect(matches(vmEvent({ ...payload, Vm: { ...payload.Vm, Name: 'dev-1' } }))).toBe(false);
    expect(matches(vmEvent({ ...payload, Vm: { ...payload.Vm, Name: 'dev-1', Cpus: 32 } }))).toBe(true);
    expect(matches(vmEvent({ ...payload, Vm: { ...payload.Vm, Tags: ['test'] } }))).toBe(false);
  });

  it('refuses at compile time what cannot work, naming the key at fault', () => {
    const refusal = (matcher: DataMatcher) => {
      try {
        compileFilters([{ data: matcher }]);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidFilterError);
        return e as InvalidFilterError;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ path: 'A', gt: 'yesterday' }).key).toBe('gt');
    expect(refusal({ path: 'A', exists: true, caseInsensitive: true }).key).toBe('caseInsensitive');
    expect(refusal({ path: 'A..B', exists: true }).key).toBe('path');
    expect(refusal({ path: 'A' }).message).toContain('exactly one operator');
    expect(refusal({ path: 'A', prefix: 'a', suffix: 'b' }).message).toContain('prefix and suffix');
    expect(refusal({ path: 'A', regex: 'a(?=b)' })).toMatchObject({ key: 'regex', position: 1 });
  });
});
