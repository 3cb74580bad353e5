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
  it('files a subscription under its exact type, else another exact attribute, else nowhere', () => {
    expect(indexKey([{ exact: { source: '/a' } }, { all: [{ exact: { type: 't' } }] }])).toEqual({ attribute: 'type', value: 't', kind: 'exact' });
    expect(indexKey([{ exact: { source: '/a' } }])).toEqual({ attribute: 'source', value: '/a', kind: 'exact' });
    expect(indexKey([{ any: [{ exact: { type: 't' } }] }])).toBeUndefined();
    expect(indexKey([{ not: { exact: { type: 't' } } }])).toBeUndefined();
  });

  it('files data and cesql subscriptions under what they require: an exact value, else a prefix, else nowhere', () => {
    expect(indexKey([{ data: { path: 'a', equals: 1 } }, { exact: { type: 't' } }])).toEqual({ attribute: 'type', value: 't', kind: 'exact' });
    expect(indexKey([{ cesql: "type = 't'" }])).toEqual({ attribute: 'type', value: 't', kind: 'exact' });
    expect(indexKey([{ cesql: "subject <> 'x' AND 'vm-1' = source AND type LIKE 'com.vmware.%'" }])).toEqual({ attribute: 'source', value: 'vm-1', kind: 'exact' });
    expect(indexKey([{ cesql: "type LIKE 'com.vmware.%' AND subject LIKE 'a\\_b%'" }])).toEqual({ attribute: 'type', value: 'com.vmware.', kind: 'prefix' });
    expect(indexKey([{ prefix: { subject: 'vm-' } }, { data: { path: 'a', exists: true } }])).toEqual({ attribute: 'subject', value: 'vm-', kind: 'prefix' });
    // Nothing every match must carry: OR, NOT, LIKE with _ or % inside, a suffix.
    expect(indexKey([{ cesql: "type = 'a' OR type = 'b'" }])).toBeUndefined();
    expect(indexKey([{ cesql: "NOT (type = 'a')" }])).toBeUndefined();
    expect(indexKey([{ cesql: "type LIKE 'com._mware%'" }])).toBeUndefined();
    expect(indexKey([{ cesql: "type LIKE 'com%vmware'" }])).toBeUndefined();
    expect(indexKey([{ suffix: { type: '.v0' } }])).toBeUndefined();
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
            : { any: [{ data: { path: 'tags', contains: `g${i % 3}` } }, { not: { cesql: "source = '/src1'" } }] },
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
