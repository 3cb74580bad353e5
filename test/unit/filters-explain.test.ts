import { describe, expect, it } from 'vitest';
import type { SubscriptionConfig } from '../../src/config/types.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilters } from '../../src/filters/compile.js';
import { explainFilter, explainSubscription, formatExplanation, type FilterExplanation } from '../../src/filters/explain.js';
import { renderFilterTree } from '../../src/filters/render.js';
import type { DataMatcher, Filter } from '../../src/filters/types.js';

const sub = (name: string, filters: Filter[]): SubscriptionConfig => ({
  name, function: 'notify', filters,
  retry: { attempts: 1, backoff: 'linear', delayMs: 1, maxDelayMs: 1 },
  deadLetter: true, ordered: false, concurrency: 1,
  declaredAt: { file: 'x', line: 1, column: 1, path: '' },
});

const event = (data: unknown, extra: Record<string, unknown> = {}): CloudEventRecord =>
  ({ specversion: '1.0', id: 'e1', source: '/vc', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'VmPoweredOffEvent', data, ...extra }) as CloudEventRecord;

describe('explaining a match', () => {
  it('names the failing filter and why, in the words of the issue', () => {
    const s = sub('notify-on-poweroff', [
      { exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } },
      { data: { path: 'Vm.Name', prefix: 'prod-' } },
    ]);
    const e = explainSubscription(s, event({ Vm: { Name: 'test-web-01' } }));
    expect(e.matched).toBe(false);
    expect(formatExplanation(e)).toEqual([
      'subscription notify-on-poweroff: no match: filters[1] data Vm.Name prefix "prod-": value "test-web-01" does not start with "prod-"',
    ]);
    expect(formatExplanation(explainSubscription(s, event({ Vm: { Name: 'prod-web-01' } })))[0]).toBe(
      'subscription notify-on-poweroff: match (function notify; 2 filter(s) pass)',
    );
  });

  it('says where a path stops existing and when types differ', () => {
    const why = (matcher: DataMatcher, data: unknown) => explainFilter({ data: matcher }, event(data)).reason;
    expect(why({ path: 'Vm.Name', equals: 'x' }, { Vm: {} })).toBe('data.Vm.Name does not exist: data.Vm has no key "Name"');
    expect(why({ path: 'Arguments.3.Value', exists: true }, { Arguments: [1] })).toBe('data.Arguments.3.Value does not exist: data.Arguments has 1 item(s), no index 3');
    expect(why({ path: 'To', equals: 'red' }, 'text')).toContain('the event data is a string');
    expect(why({ path: 'Cpus', equals: '4' }, { Cpus: 4 })).toContain('a number; the filter\'s value is a string');
    expect(why({ path: 'Cpus', prefix: '4' }, { Cpus: 4 })).toBe('value 4 is a number; prefix compares strings');
    expect(why({ path: 'At', gt: '2024-01-01T00:00:00Z' }, { At: 'yesterday' })).toContain('is not an RFC 3339 time');
    expect(why({ path: 'To', exists: false }, { To: 'red' })).toBe('data.To exists ("red")');
    const binary = { ...event(undefined), data_base64: 'AA==' } as CloudEventRecord;
    expect(explainFilter({ data: { path: 'To', equals: 'red' } }, binary).reason).toContain('binary data (data_base64)');
  });

  it('shows a CESQL result and its errors', () => {
    const f = explainFilter({ cesql: 'priority / 0 > 1' }, event({}, { priority: 5 }));
    expect(f.matched).toBe(false);
    expect(f.reason).toMatch(/^evaluated to FALSE; error: math: division by zero/u);
    expect(f.details).toMatchObject({ value: false, errors: [{ kind: 'math' }] });
    expect(explainFilter({ cesql: "subject = 'VmPoweredOffEvent'" }, event({})).reason).toBe('evaluated to TRUE');
    expect(explainFilter({ cesql: 'subject' }, event({})).reason).toMatch(/evaluated to 'VmPoweredOffEvent'; error: cast: a filter must evaluate to a Boolean/u);
  });

  it('goes down all, any and not to the filters that decided', () => {
    const s = sub('alarms', [
      { any: [{ data: { path: 'To', equals: 'red' } }, { cesql: "subject LIKE 'Alarm%'" }] },
      { not: { data: { path: 'Vm.Name', wildcard: 'test-*' } } },
    ]);
    const lines = formatExplanation(explainSubscription(s, event({ To: 'green', Vm: { Name: 'test-1' } })));
    expect(lines).toEqual([
      'subscription alarms: no match: filters[0] any of 2: none of 2 match',
      '    filters[0].any[0] data To equals "red": value "green" does not equal "red"',
      `    filters[0].any[1] cesql "subject LIKE 'Alarm%'": evaluated to FALSE`,
      '  and filters[1] not: the filter inside matches',
      '    filters[1].not data Vm.Name wildcard "test-*": value "test-1" matches wildcard "test-*"',
    ]);
  });

  it('renders nested filters as an indented tree', () => {
    expect(renderFilterTree({ all: [{ exact: { type: 'a', source: '/s' } }, { not: { any: [{ cesql: "x = 'y'" }, { data: { path: ['a.b', 'c'], in: [1, 'two'], caseInsensitive: true } }] } }] })).toEqual([
      'all of:',
      '  exact type "a", source "/s"',
      '  not:',
      '    any of:',
      `      cesql "x = 'y'"`,
      '      data ["a.b","c"] in [1,"two"] (case-insensitive)',
    ]);
  });
});

// ---- explain(...).matched === the compiled predicate, on many random filters and events ----

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const names = ['prod-web-01', 'test-web-02', 'PROD-db', 'esx-07', '', 'red', 'Red', 'green'];
const times = ['2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.5Z', 'not a time'];

function randomLeaf(r: () => number): Filter {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const path = pick(['Vm.Name', 'To', 'Cpus', 'Tags', 'Tags.0', 'At', 'Missing.Key', ['Vm', 'Name']] as const);
  const ci = r() < 0.3;
  const data = (m: Omit<DataMatcher, 'path'>): Filter => ({ data: { path, ...m } as DataMatcher });
  switch (Math.floor(r() * 16)) {
    case 0: return data({ equals: pick([...names, 4, true, null]), caseInsensitive: ci });
    case 1: return data({ notEquals: pick([...names, 4]), caseInsensitive: ci });
    case 2: return data({ prefix: pick(['prod', 'PROD', 'te', '']), caseInsensitive: ci });
    case 3: return data({ suffix: pick(['01', 'db', '']), caseInsensitive: ci });
    case 4: return data({ contains: pick(['web', 'prod', 'e', 4]), caseInsensitive: ci });
    case 5: return data({ regex: pick(['^prod-', 'web-[0-9]+$', '(a+)+$', '']), caseInsensitive: ci });
    case 6: return data({ wildcard: pick(['prod-*', '*-0?', '*', 'red']), caseInsensitive: ci });
    case 7: return data({ exists: r() < 0.5 });
    case 8: return data({ in: [pick(names), pick([...names, 4])], caseInsensitive: ci });
    case 9: return data({ [pick(['gt', 'gte', 'lt', 'lte'])]: pick([2, 4, 8]) });
    case 10: return data({ [pick(['gt', 'gte', 'lt', 'lte'])]: pick(times.slice(0, 3)) });
    case 11: return { cesql: pick(["subject LIKE 'Vm%'", 'priority > 3', 'priority / level > 1', "EXISTS region AND region = 'eu'", 'subject']) };
    case 12: return { exact: { type: pick(['com.a', 'com.b']) } };
    case 13: return { prefix: { subject: pick(['Vm', 'Host']) } };
    case 14: return { suffix: { source: pick(['/prod', '/test']) } };
    default: return { exact: { region: pick(['eu', 'us']) } };
  }
}

function randomFilter(r: () => number, depth = 0): Filter {
  const roll = r();
  if (depth < 3 && roll < 0.15) return { all: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomFilter(r, depth + 1)) };
  if (depth < 3 && roll < 0.3) return { any: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomFilter(r, depth + 1)) };
  if (depth < 3 && roll < 0.4) return { not: randomFilter(r, depth + 1) };
  return randomLeaf(r);
}

function randomEvent(r: () => number): CloudEventRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(value: T) => (r() < 0.75 ? value : undefined);
  const payload = pick([
    () => ({ Vm: maybe({ Name: maybe(pick(names)) }), To: maybe(pick(names)), Cpus: maybe(pick([2, 4, 8, '4'])), Tags: maybe(pick([['web', 'Prod'], [], ['e']])), At: maybe(pick(times)) }),
    () => 'a string payload',
    () => [{ Name: 'x' }],
    () => undefined,
  ])();
  const extra: Record<string, unknown> = {};
  if (r() < 0.7) extra.priority = pick([1, 5, 9]);
  if (r() < 0.5) extra.level = pick([0, 1, 3]);
  if (r() < 0.5) extra.region = pick(['eu', 'us']);
  return {
    specversion: '1.0', id: 'e', source: pick(['/vc/prod', '/vc/test']), type: pick(['com.a', 'com.b']),
    ...(r() < 0.8 ? { subject: pick(['VmPoweredOff', 'HostDown']) } : {}),
    ...(payload === undefined ? {} : { data: JSON.parse(JSON.stringify(payload)) as unknown }),
    ...extra,
  } as CloudEventRecord;
}

/** Each composition's verdict follows from its children's, all the way down. */
function consistent(e: FilterExplanation): boolean {
  if (!e.children) return true;
  const kids = e.children.map((c) => c.matched);
  const expected = e.filter === 'not' ? !kids[0] : e.filter.startsWith('all') ? kids.every(Boolean) : kids.some(Boolean);
  return expected === e.matched && e.children.every(consistent);
}

describe('explanations agree with the router', () => {
  it('explain(...).matched is the compiled predicate on 3000 random filters and events', () => {
    const r = rng(20240501);
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const filters = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomFilter(r));
      const e = randomEvent(r);
      const predicate = compileFilters(filters);
      const explained = explainSubscription(sub('s', filters), e);
      expect(explained.matched).toBe(predicate(e));
      expect(explained.filters.every((f) => f.matched)).toBe(explained.matched);
      for (const [k, f] of filters.entries()) {
        expect(explained.filters[k]!.matched).toBe(compileFilters([f])(e));
        expect(consistent(explained.filters[k]!)).toBe(true);
      }
      expect(formatExplanation(explained)[0]).toMatch(explained.matched ? /: match \(/u : /: no match/u);
      if (explained.matched) matched += 1;
    }
    // Both outcomes are well represented, or the test would prove little.
    expect(matched).toBeGreaterThan(300);
    expect(matched).toBeLessThan(2700);
  });
});
