import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerOvfCommands } from '../../../src/cli/ovf-command.js';
import { ovfProperties } from '../../../src/ovf/properties.js';

const fixture = new URL('../../fixtures/ovf/vsphere-static.xml', import.meta.url).pathname;

let root: string;
let out: string;
let err: string;

async function cli(...args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  out = '';
  err = '';
  const program = new Command('switchboard').exitOverride();
  registerOvfCommands(program);
  await program.parseAsync(['node', 'switchboard', ...args]);
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, exitCode };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ovf-cli-'));
  await mkdir(join(root, 'etc/switchboard/secrets'), { recursive: true });
  await writeFile(join(root, 'etc/switchboard/switchboard.yaml'), await readFile(new URL('../../../appliance/deb/switchboard.yaml', import.meta.url)));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

describe('switchboard ovf', () => {
  it('properties lists every key with its label, category and default', async () => {
    const table = await cli('ovf', 'properties');
    expect(table.out.split('\n')[0]).toMatch(/^KEY +LABEL +CATEGORY +DEFAULT$/);
    for (const p of ovfProperties) expect(table.out).toContain(p.key);
    expect(table.out).toMatch(/guestinfo\.hostname +Hostname +1\. Network +switchboard\n/);
    const json = await cli('ovf', 'properties', '--json');
    expect(JSON.parse(json.out).map((p: { key: string }) => p.key)).toEqual(ovfProperties.map((p) => p.key));
  });

  it('apply --root prints the commands it would run instead of running them, and exits 0', async () => {
    const run = await cli('ovf', 'apply', '--env-file', fixture, '--root', root, '--no-restart');
    expect(run.exitCode).toBe(0);
    expect(run.out).toMatch(/^OVF environment from .*vsphere-static\.xml\n/);
    expect(run.out).toContain('changed /etc/hostname\n');
    expect(run.out).toContain('not restarted (--no-restart; at boot they start after this): systemd-networkd.service, switchboard.service\n');
    expect(run.err).toContain('would run: chpasswd (root, the password on standard input)\n');
    expect(run.err).toContain('would run: systemctl enable --now --no-block ssh.service\n');
    expect(run.out + run.err).not.toContain('R00t');
    expect(await readFile(join(root, 'etc/hostname'), 'utf8')).toBe('sb01\n');
  });

  it('apply prints problems with property values on stderr and still exits 0', async () => {
    const env = join(root, 'env.xml');
    const ns = 'http://schemas.dmtf.org/ovf/environment/1';
    await writeFile(env, `<Environment xmlns="${ns}" xmlns:oe="${ns}"><PropertySection><Property oe:key="guestinfo.gateway" oe:value="gw"/></PropertySection></Environment>`);
    const run = await cli('ovf', 'apply', '--env-file', env, '--root', root, '--json');
    expect(run.exitCode).toBe(0);
    expect(run.err).toContain('OVF property problem: Gateway (guestinfo.gateway): expected a dotted IPv4 address such as 192.168.1.10, got "gw"; the network settings stay as they are\n');
    expect(JSON.parse(run.out)).toMatchObject({ transport: 'file', problems: [{ key: 'guestinfo.gateway' }] });
  });

  it('apply exits 1 with the code of a malformed environment', async () => {
    const env = join(root, 'env.xml');
    await writeFile(env, '<Environment');
    const run = await cli('ovf', 'apply', '--env-file', env, '--root', root);
    expect(run.exitCode).toBe(1);
    expect(run.err).toMatch(/^SB_OVF_ENVIRONMENT_INVALID: .*env\.xml:1:\d+: not well-formed XML/m);
  });

  it('apply exits 1 when --root is not a folder', async () => {
    const run = await cli('ovf', 'apply', '--env-file', fixture, '--root', join(root, 'missing'));
    expect(run.exitCode).toBe(1);
    expect(run.err).toMatch(/^SB_OVF_APPLY_FAILED: --root .* is not a folder/);
  });
});
