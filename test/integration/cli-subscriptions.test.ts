// `switchboard subscriptions list|test` on the built CLI, with no appliance running.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, createFixture, runCli, type ApplianceFixture } from '../helpers/appliance.js';

let fixture: ApplianceFixture;

const poweredOff = (name: string, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0', id: `evt-${name}`, source: '/vcenter/vc-lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0',
  subject: 'VmPoweredOffEvent', datacontenttype: 'application/json', data: { Vm: { Name: name }, CreatedTime: '2024-05-01T10:00:00Z' }, ...extra,
});

async function eventFile(name: string, event: unknown): Promise<string> {
  const file = join(fixture.dir, name);
  await writeFile(file, JSON.stringify(event));
  return file;
}

beforeAll(async () => {
  fixture = await createFixture({
    functions: {
      'notify.mjs': 'export default async () => 1;\n',
      'audit.mjs': 'export default async () => 1;\n',
      'audit.yaml': 'triggers:\n  - name: audit-everything\n',
    },
    yamlBody: `
subscriptions:
  - name: notify-on-poweroff
    function: notify
    filters:
      - exact: { type: com.vmware.vsphere.VmPoweredOffEvent.v0 }
      - data: { path: Vm.Name, prefix: "prod-" }
    retry: { attempts: 5, backoff: linear, delay: 2s, maxDelay: 1m }
    timeout: 30s
    concurrency: 4
  - name: red-alarms
    function: notify
    filters:
      - any:
          - data: { path: To, equals: red, caseInsensitive: true }
          - cesql: "subject LIKE 'Alarm%' AND priority > 3"
      - not: { data: { path: Vm.Name, wildcard: "test-*" } }
`,
  });
});

afterAll(async () => {
  await fixture?.cleanup();
});

describe('switchboard subscriptions list', () => {
  it('lists every subscription with its function, where it is declared, its filters and delivery settings', async () => {
    const result = await runCli(['subscriptions', 'list', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(0);
    const yaml = (await import('node:fs')).readFileSync(fixture.configFile, 'utf8').split('\n');
    const line = yaml.findIndex((l) => l.includes('name: notify-on-poweroff')) + 1;
    expect(result.stdout).toContain(`notify-on-poweroff → notify  (${fixture.configFile}:${line}:5)`);
    expect(result.stdout).toContain('    exact type "com.vmware.vsphere.VmPoweredOffEvent.v0"\n    data Vm.Name prefix "prod-"\n');
    expect(result.stdout).toContain('retry 5 attempt(s), linear from 2s to 1m; timeout 30s; concurrency 4');
    expect(result.stdout).toContain(`    any of:\n      data To equals "red" (case-insensitive)\n      cesql "subject LIKE 'Alarm%' AND priority > 3"\n    not data Vm.Name wildcard "test-*"`);
    expect(result.stdout).toMatch(/audit-everything → audit {2}\(.*functions\/audit\.yaml:2:5\)\n {2}filters: none \(every event\)/u);
  });

  it('prints JSON for scripts', async () => {
    const result = await runCli(['subscriptions', 'list', '--json', '--config', fixture.configFile]);
    const rows = JSON.parse(result.stdout) as { name: string; function: string; filters: string[]; timeoutMs: number | null; filtersWritten: unknown[] }[];
    expect(rows.map((r) => r.name)).toEqual(['notify-on-poweroff', 'red-alarms', 'audit-everything']);
    expect(rows[0]).toMatchObject({ function: 'notify', timeoutMs: 30_000, filters: ['exact type "com.vmware.vsphere.VmPoweredOffEvent.v0"', 'data Vm.Name prefix "prod-"'] });
    expect(rows[0]!.filtersWritten[1]).toEqual({ data: { path: 'Vm.Name', prefix: 'prod-' } });
  });
});

describe('switchboard subscriptions test', () => {
  it('says which subscriptions match and, for the others, which filter failed and why', async () => {
    const file = await eventFile('test-vm.json', poweredOff('test-web-01'));
    const result = await runCli(['subscriptions', 'test', file, '--config', fixture.configFile]);
    expect(result.exitCode).toBe(0); // audit-everything matches
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining([
      'subscription notify-on-poweroff: no match: filters[1] data Vm.Name prefix "prod-": value "test-web-01" does not start with "prod-"',
      'subscription red-alarms: no match: filters[0] any of 2: none of 2 match',
      '    filters[0].any[0] data To equals "red" (case-insensitive): data.To does not exist: data has no key "To"',
      `    filters[0].any[1] cesql "subject LIKE 'Alarm%' AND priority > 3": evaluated to FALSE`,
      '  and filters[1] not: the filter inside matches',
      'subscription audit-everything: match (function audit; no filters)',
      'event evt-test-web-01 (com.vmware.vsphere.VmPoweredOffEvent.v0): 1 of 3 subscription(s) match: audit-everything',
    ]));
  });

  it('reads the event from stdin and prints JSON with each filter verdict', async () => {
    const result = await execa(process.execPath, [cliPath, 'subscriptions', 'test', '-', '--json', '--config', fixture.configFile], {
      input: JSON.stringify(poweredOff('prod-db-02', { priority: 5, subject: 'AlarmStatusChangedEvent' })), reject: false,
    });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { matched: string[]; subscriptions: { subscription: string; filters: { matched: boolean; children?: { details?: unknown }[] }[] }[] };
    expect(report.matched).toEqual(['notify-on-poweroff', 'red-alarms', 'audit-everything']);
    expect(report.subscriptions[1]!.filters[0]!.children![1]!.details).toEqual({ value: true, errors: [] });
  });

  it('exits 3 when no subscription matches, and 1 for an event that is not a CloudEvent', async () => {
    const only = await createFixture({
      functions: { 'notify.mjs': 'export default async () => 1;\n' },
      yamlBody: 'subscriptions:\n  - name: prod-only\n    function: notify\n    filters: [ { data: { path: Vm.Name, prefix: "prod-" } } ]\n',
    });
    try {
      const miss = await runCli(['subscriptions', 'test', await eventFile('miss.json', poweredOff('dev-1')), '--config', only.configFile]);
      expect(miss.exitCode).toBe(3);
      expect(miss.stdout).toContain('no subscription of 1 matches');
      const invalid = await runCli(['subscriptions', 'test', await eventFile('bad.json', { id: 'x', data: {} }), '--config', only.configFile]);
      expect(invalid.exitCode).toBe(1);
      expect(invalid.stderr).toMatch(/^SB_EVENT_INVALID: .*specversion: required, missing/u);
      const notJson = await runCli(['subscriptions', 'test', await eventFile('junk.json', 'x').then(async (f) => (await writeFile(f, '{oops'), f)), '--config', only.configFile]);
      expect(notJson.exitCode).toBe(1);
      expect(notJson.stderr).toContain('is not JSON');
    } finally {
      await only.cleanup();
    }
  });

  it('reports a broken filter as a config error, like validate', async () => {
    const broken = await createFixture({
      functions: { 'notify.mjs': 'export default async () => 1;\n' },
      yamlBody: 'subscriptions:\n  - name: s\n    function: notify\n    filters: [ { cesql: "subject = " } ]\n',
    });
    try {
      const result = await runCli(['subscriptions', 'test', await eventFile('any.json', poweredOff('x')), '--config', broken.configFile]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^SB_FILTER_INVALID: 1 problem\(s\):\n.*switchboard\.yaml:\d+:\d+ subscriptions\[0\]\.filters\[0\]\.cesql: CESQL expression does not parse/u);
    } finally {
      await broken.cleanup();
    }
  });
});
