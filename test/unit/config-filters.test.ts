import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilter } from '../../src/filters/compile.js';
import { SubscriptionIndex } from '../../src/filters/subscription-index.js';
import { loadError, loadTree } from '../fixtures/config/load-tree.js';

const withSubscription = (filtersYaml: string) => ({
  'switchboard.yaml': `apiVersion: switchboard/v1\nsubscriptions:\n  - name: s\n    function: f\n    filters:\n${filtersYaml}`,
  'functions/f.mjs': 'export default async () => 1;\n',
});

/** 1-based column of `needle` on line `line` of the YAML. */
const columnOf = (yaml: string, line: number, needle: string) => yaml.split('\n')[line - 1]!.indexOf(needle) + 1;

describe('filters at config load', () => {
  it('loads data and cesql filters everywhere a filter is written, compiled once', async () => {
    const { config } = await loadTree({
      'switchboard.yaml': [
        'apiVersion: switchboard/v1',
        'subscriptions:',
        '  - name: by-name',
        '    function: f',
        '    filters:',
        '      - data: { path: Vm.Name, prefix: "prod-" }',
        '      - any: [ { cesql: "subject LIKE \'Vm%\'" }, { not: { data: { path: [Vm, Tags], contains: test } } } ]',
      ].join('\n'),
      'subscriptions/alarms.yaml': '- name: red\n  function: f\n  filters: [ { data: { path: To, equals: red } } ]\n',
      'functions/f.mjs': 'export default async () => 1;\n',
      'functions/f.yaml': 'triggers:\n  - name: from-trigger\n    filters: [ { cesql: "priority > 3" } ]\n',
    });
    expect(config.subscriptions.map((s) => s.name)).toEqual(['by-name', 'red', 'from-trigger']);
    const [byName] = config.subscriptions;
    // The loader compiled it: the router gets that very object back.
    expect(compileFilter(byName!.filters[0]!)).toBe(compileFilter(byName!.filters[0]!));
    const index = new SubscriptionIndex(config.subscriptions);
    const event = {
      specversion: '1.0', id: '1', source: '/vc', type: 't', subject: 'VmPoweredOff', priority: 5, data: { Vm: { Name: 'prod-1', Tags: [] }, To: 'red' },
    } as CloudEventRecord;
    expect(index.match(event).map((s) => s.name)).toEqual(['by-name', 'red', 'from-trigger']);
  });

  it('refuses a regex RE2 cannot run, at the file, line and column of the offending character', async () => {
    const files = withSubscription('      - data: { path: Vm.Name, regex: "^prod-(?=web)" }\n');
    const e = await loadError(files);
    expect(e.code).toBe('SB_FILTER_INVALID');
    expect(e.problems).toHaveLength(1);
    const yaml = files['switchboard.yaml'];
    expect(e.problems[0]).toMatchObject({
      file: join(e.dir, 'switchboard.yaml'), line: 6, column: columnOf(yaml, 6, '(?='), path: 'subscriptions[0].filters[0].data.regex',
    });
    expect(e.problems[0]!.message).toContain('no lookahead, lookbehind or backreferences');
  });

  it('refuses a CESQL expression that does not parse, pointing into a one-line expression', async () => {
    const files = withSubscription("      - cesql: subject = 'a' AND AND type = 'b'\n");
    const e = await loadError(files);
    expect(e.code).toBe('SB_FILTER_INVALID');
    const yaml = files['switchboard.yaml'];
    expect(e.problems[0]).toMatchObject({ line: 6, path: 'subscriptions[0].filters[0].cesql' });
    // The column is that of the second AND, where the parser gave up.
    expect(e.problems[0]!.column).toBe(columnOf(yaml, 6, 'AND type'));
    expect(e.problems[0]!.message).toMatch(/^CESQL expression does not parse: .*column 19/u);
  });

  it('points a multi-line expression at its start and names the line and column inside it', async () => {
    const e = await loadError(withSubscription("      - cesql: |\n          subject = 'a'\n            AND (type =\n"));
    expect(e.problems[0]).toMatchObject({ line: 6, path: 'subscriptions[0].filters[0].cesql' });
    expect(e.problems[0]!.message).toMatch(/line 2, column \d+/u);
  });

  it('suggests the operator meant when one is misspelt, in a subscriptions/*.yaml file', async () => {
    const e = await loadError({
      'switchboard.yaml': 'apiVersion: switchboard/v1\n',
      'subscriptions/a.yaml': '- name: s\n  function: f\n  filters:\n    - data: { path: Vm.Name, prefx: "prod-" }\n',
      'functions/f.mjs': 'export default async () => 1;\n',
    });
    expect(e.code).toBe('SB_CONFIG_INVALID');
    expect(e.problems).toHaveLength(1); // not also "no operator": the same mistake
    expect(e.problems[0]).toMatchObject({ line: 4, path: '[0].filters[0].data.prefx' });
    expect(e.problems[0]!.message).toMatch(/^unknown key "prefx" \(did you mean "prefix"\?\): expected one of path, equals/u);
  });

  it('wants exactly one operator per matcher', async () => {
    const none = await loadError(withSubscription('      - data: { path: Vm.Name }\n'));
    expect(none.problems[0]!.message).toBe(
      'expected a path and exactly one operator (equals, notEquals, prefix, suffix, contains, regex, wildcard, exists, in, gt, gte, lt, lte); combine several matchers with all:, got a map with path',
    );
    const two = await loadError(withSubscription('      - data: { path: Vm.Name, prefix: a, suffix: b }\n'));
    expect(two.problems[0]).toMatchObject({ path: 'subscriptions[0].filters[0].data' });
    expect(two.problems[0]!.message).toContain('got a map with path and prefix and suffix');
  });

  it('refuses what an operator cannot compare, in a function trigger too', async () => {
    const e = await loadError({
      'switchboard.yaml': 'apiVersion: switchboard/v1\n',
      'functions/f.mjs': 'export default async () => 1;\n',
      'functions/f.yaml': [
        'triggers:',
        '  - name: t',
        '    filters:',
        '      - data: { path: CreatedTime, gt: yesterday }',
        '      - all: [ { data: { path: Vm.Cpus, lt: 4, caseInsensitive: true } }, { data: { path: "Vm..Name", exists: true } } ]',
      ].join('\n'),
    });
    expect(e.code).toBe('SB_FILTER_INVALID');
    expect(e.problems.map((p) => [p.path, p.line])).toEqual([
      ['triggers[0].filters[0].data.gt', 4],
      ['triggers[0].filters[1].all[0].data.caseInsensitive', 5],
      ['triggers[0].filters[1].all[1].data.path', 5],
    ]);
    expect(e.problems[0]!.message).toContain('"yesterday" is neither');
  });

  it('wants a path as dotted keys or a list of keys', async () => {
    const e = await loadError(withSubscription('      - data: { path: { a: 1 }, exists: true }\n'));
    expect(e.problems[0]!.message).toContain('expected a path such as Vm.Name or Arguments.0.Value');
  });
});
