import { describe, expect, it } from 'vitest';
import type { Filter, SubscriptionConfig } from '../../src/config/types.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilters } from '../../src/filters/compile.js';
import { indexKey, SubscriptionIndex } from '../../src/filters/subscription-index.js';

const sub = (name: string, filters: Filter[]): SubscriptionConfig => ({
  name, function: 'f', filters,
  retry: { attempts: 1, backoff: 'linear', delayMs: 1, maxDelayMs: 1 },
  deadLetter: true, ordered: false, concurrency: 1,
  declaredAt: { file: 'x', line: 1, column: 1, path: '' },
});
const event = (type: string, extra: Record<string, unknown> = {}) =>
  ({ specversion: '1.0', id: '1', source: '/s', type, ...extra }) as CloudEventRecord;

describe('subscription index', () => {
  const key = (filters: Filter[]) => {
    const k = indexKey(filters);
    return k && { field: k.field.key, kind: k.kind, values: k.values };
  };

  it('files a subscription under its exact type, else another exact attribute, else nowhere', () => {
    expect(key([{ exact: { source: '/a' } }, { all: [{ exact: { type: 't' } }] }])).toEqual({ field: 'type', kind: 'exact', values: ['t'] });
    expect(key([{ exact: { source: '/a' } }])).toEqual({ field: 'source', kind: 'exact', values: ['/a'] });
    expect(key([{ any: [{ exact: { type: 't' } }] }])).toBeUndefined();
    expect(key([{ not: { exact: { type: 't' } } }])).toBeUndefined();
  });

  it('files data and cesql subscriptions under what they require: a value, else a prefix or suffix, else nowhere', () => {
    expect(key([{ data: { path: 'a', equals: 1 } }, { exact: { type: 't' } }])).toEqual({ field: 'type', kind: 'exact', values: ['t'] });
    expect(key([{ cesql: "type = 't'" }])).toEqual({ field: 'type', kind: 'exact', values: ['t'] });
    expect(key([{ cesql: "subject <> 'x' AND 'vm-1' = source AND type LIKE 'com.vmware.%'" }])).toEqual({ field: 'source', kind: 'exact', values: ['vm-1'] });
    expect(key([{ cesql: "type LIKE 'com.vmware.%' AND subject LIKE 'a\\_b%'" }])).toEqual({ field: 'type', kind: 'prefix', values: ['com.vmware.'] });
    expect(key([{ cesql: "subject IN ('a', 'b')" }])).toEqual({ field: 'subject', kind: 'exact', values: ['a', 'b'] });
    expect(key([{ cesql: "type LIKE '%.v0'" }])).toEqual({ field: 'type', kind: 'suffix', values: ['.v0'] });
    expect(key([{ prefix: { subject: 'vm-' } }, { data: { path: 'a', exists: true } }])).toEqual({ field: 'subject', kind: 'prefix', values: ['vm-'] });
    expect(key([{ data: { path: 'Vm.Name', equals: 'web' } }])).toEqual({ field: 'data:["Vm","Name"]', kind: 'exact', values: ['web'] });
    expect(key([{ data: { path: 'u', in: ['a', 'b'] } }])).toEqual({ field: 'data:["u"]', kind: 'exact', values: ['a', 'b'] });
    expect(key([{ data: { path: 'h', wildcard: '*.lab' } }])).toEqual({ field: 'data:["h"]', kind: 'suffix', values: ['.lab'] });
    expect(key([{ data: { path: 'h', wildcard: 'esx-*' } }])).toEqual({ field: 'data:["h"]', kind: 'prefix', values: ['esx-'] });
    expect(key([{ suffix: { type: '.v0' } }])).toEqual({ field: 'type', kind: 'suffix', values: ['.v0'] });
    // Nothing every match must carry: OR, NOT, LIKE with _ or % inside, case-insensitive, numbers, regexes.
    expect(key([{ cesql: "type = 'a' OR type = 'b'" }])).toBeUndefined();
    expect(key([{ cesql: "NOT (type = 'a')" }])).toBeUndefined();
    expect(key([{ cesql: "type LIKE 'com._mware%'" }])).toBeUndefined();
    expect(key([{ cesql: "type LIKE 'com%vmware%'" }])).toBeUndefined();
    expect(key([{ data: { path: 'u', equals: 'A', caseInsensitive: true } }])).toBeUndefined();
    expect(key([{ data: { path: 'n', in: ['a', 1] } }])).toBeUndefined();
    expect(key([{ data: { path: 'h', wildcard: 'a*b' } }])).toBeUndefined();
    expect(key([{ data: { path: 'h', regex: '^a' } }])).toBeUndefined();
  });

  it('finds exactly what trying every subscription finds, with every dialect mixed in', () => {
    const subs: SubscriptionConfig[] = [];
    for (let i = 0; i < 2_000; i++) {
      const kind = i % 6;
      subs.push(
        sub(`m${i}`, [
          kind === 0 ? { exact: { type: `t${i % 50}` } }
            : kind === 1 ? { data: { path: 'n', gt: i % 10 } }
            : kind === 2 ? { all: [{ exact: { type: `t${i % 50}` } }, { data: { path: 'name', prefix: `v${i % 4}` } }] }
            : kind === 3 ? { cesql: i % 2 ? `subject = 'x${i % 4}'` : `type LIKE 't${i % 7}%' AND subject <> 'x1'` }
            : kind === 4 ? { all: [{ exact: { source: `/src${i % 7}` } }, { cesql: `EXISTS subject AND subject LIKE 'x%'` }] }
            : i % 3 === 0 ? { any: [{ data: { path: 'tags', contains: `g${i % 3}` } }, { not: { cesql: "source = '/src1'" } }] }
            : i % 3 === 1 ? { all: [{ data: { path: 'name', in: [`v${i % 6}x`, 'zz', 5] as never } }, { data: { path: 'name', wildcard: `v${i % 3}*` } }] }
            : { all: [{ data: { path: 'name', suffix: `${i % 4}x` } }, { cesql: `subject IN ('x${i % 5}', 'x9') AND type LIKE '%${i % 10}'` }] },
        ]),
      );
    }
    const index = new SubscriptionIndex(subs);
    const brute = subs.map((s) => ({ s, m: compileFilters(s.filters) }));
    for (let n = 0; n < 300; n++) {
      const e = event(`t${n % 60}`, { source: `/src${n % 9}`, subject: `x${n % 5}`, data: { n: n % 12, name: `v${n % 6}x`, tags: [`g${n % 4}`] } });
      expect(index.match(e).map((s) => s.name)).toEqual(brute.filter((b) => b.m(e)).map((b) => b.s.name));
    }
  });

  it('finds exactly what trying every subscription finds, in declaration order', () => {
    const subs: SubscriptionConfig[] = [];
    for (let i = 0; i < 2_000; i++) {
      const kind = i % 5;
      subs.push(
        sub(`s${i}`, [
          kind === 0 ? { exact: { type: `t${i % 50}` } }
            : kind === 1 ? { exact: { source: `/src${i % 7}` } }
            : kind === 2 ? { prefix: { type: `t${i % 5}` } }
            : kind === 3 && i % 2 ? { cesql: `source = '/src${i % 7}' OR type LIKE 't1%'` }
            : kind === 3 ? { all: [{ exact: { type: `t${i % 50}` } }, { suffix: { subject: `${i % 3}` } }] }
            : { any: [{ exact: { type: `t${i % 50}` } }, { not: { exact: { source: '/src1' } } }] },
        ]),
      );
    }
    const index = new SubscriptionIndex(subs);
    const brute = subs.map((s) => ({ s, m: compileFilters(s.filters) }));
    for (let n = 0; n < 300; n++) {
      const e = event(`t${n % 60}`, { source: `/src${n % 9}`, subject: `x${n % 4}` });
      expect(index.match(e).map((s) => s.name)).toEqual(brute.filter((b) => b.m(e)).map((b) => b.s.name));
    }
  });
});
