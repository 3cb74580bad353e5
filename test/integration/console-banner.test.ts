// `switchboard console-banner` against a real appliance (its embedded nats-server, a webhook
// source) on free ports: the console shows where to reach it, its version, and the bus and
// source as ready; with the OVF problems of this boot; and, once it is stopped, that it does
// not answer and where to look.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, projectRoot, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';

let fixture: ApplianceFixture;
let appliance: RunningAppliance;
let out: string;

beforeAll(async () => {
  fixture = await createFixture({
    yamlBody: ['sources:', '  - name: hooks', '    type: webhook', '    path: /webhooks/hooks', 'subscriptions: []'].join('\n'),
  });
  appliance = await startAppliance(fixture);
  out = await mkdtemp(join(tmpdir(), 'sb-console-'));
});

afterAll(async () => {
  await appliance?.stop();
  await fixture?.cleanup();
  if (out) await rm(out, { recursive: true, force: true });
});

const banner = (...args: string[]) =>
  runCli(['console-banner', '--config', fixture.configFile, '--ovf-status', join(out, 'ovf-status.json'), ...args]);

describe('switchboard console-banner', () => {
  it('shows the URL, the version, and the bus and the source ready', async () => {
    const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await banner();
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Switchboard ${version} on `);
    expect(result.stdout).toMatch(new RegExp(`URL: +http://127\\.0\\.0\\.1:${fixture.httpPort}/\\n`));
    expect(result.stdout).toMatch(/Status: +ready\n/);
    expect(result.stdout).toMatch(/^ +ok +bus +connected$/m);
    expect(result.stdout).toMatch(/^ +ok +source:hooks +running$/m);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.stdout).not.toContain('OVF');
  });

  it('writes the banner with the OVF problems of this boot atomically, mode 0644', async () => {
    await writeFile(join(out, 'ovf-status.json'), JSON.stringify({
      appliedAt: new Date().toISOString(),
      transport: 'vmware-tools',
      problems: [{ key: 'guestinfo.ipaddress', label: 'IP address', message: 'not an IPv4 address: "10.0.0"' }],
      changed: ['/etc/hostname'],
    }));
    const issue = join(out, 'issue');
    await writeFile(issue, 'the previous banner\n');
    const result = await banner('--write', issue);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');
    const text = await readFile(issue, 'utf8');
    expect(text).toMatch(new RegExp(`URL: +http://127\\.0\\.0\\.1:${fixture.httpPort}/\\n`));
    expect(text).toMatch(/^ +ok +source:hooks +running$/m);
    expect(text).toMatch(/OVF: +1 property from VMware Tools not applied:\n +IP address \(guestinfo\.ipaddress\): not an IPv4 address: "10\.0\.0"\n/);
    expect((await stat(issue)).mode & 0o777).toBe(0o644);
    expect((await readdir(out)).sort()).toEqual(['issue', 'ovf-status.json']);
  });

  it('says the appliance does not answer once it is stopped, and where to look', async () => {
    await appliance.stop();
    const result = await banner();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Status: +NOT ANSWERING at http://127\\.0\\.0\\.1:${fixture.httpPort}/readyz\\n`));
    expect(result.stdout).toContain('connection refused');
    expect(result.stdout).toContain('journalctl -u switchboard');
    expect(result.stdout).not.toMatch(/^ +ok +bus/m);
  });
});
