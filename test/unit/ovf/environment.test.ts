import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSwitchboardError } from '../../../src/errors.js';
import { parseOvfEnvironment } from '../../../src/ovf/environment.js';
import { findOvfEnvironment, listCdromDevices, readEnvironmentFile, type CommandResult, type RunCommand } from '../../../src/ovf/environment-transports.js';

const fixture = new URL('../../fixtures/ovf/vsphere-static.xml', import.meta.url);
const ns = 'http://schemas.dmtf.org/ovf/environment/1';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isSwitchboardError(err) ? err.code : `not a SwitchboardError: ${String(err)}`;
  }
  return undefined;
}

describe('parseOvfEnvironment', () => {
  it('reads every property of a vSphere environment, entities decoded, and nothing of its ve: sections', async () => {
    const properties = parseOvfEnvironment(await readFile(fixture, 'utf8'), 'ovf-env.xml');
    expect(properties.size).toBe(20);
    expect(properties.get('guestinfo.hostname')).toBe('sb01.corp.example.com');
    expect(properties.get('guestinfo.root_password')).toBe('R00t&<secret>');
    expect(properties.get('guestinfo.vcenter_password')).toBe('Vc-p@ss "word"');
    expect(properties.get('guestinfo.dns')).toBe('192.168.10.53, 192.168.20.53');
    expect([...properties.keys()].every((k) => k.startsWith('guestinfo.'))).toBe(true);
  });

  it('takes a single property, keeps values as written, and decodes character references', () => {
    const xml = `<Environment xmlns="${ns}" xmlns:oe="${ns}"><PropertySection><Property oe:key="k" oe:value=" 007 &#38;&#x41;"/></PropertySection></Environment>`;
    expect(parseOvfEnvironment(xml, 'x')).toEqual(new Map([['k', ' 007 &A']]));
  });

  it('follows whichever prefix the document binds to the OVF environment namespace', () => {
    const xml = `<e:Environment xmlns:e="${ns}"><e:PropertySection><e:Property e:key="a" e:value="1"/><e:Property e:key="b" e:value="2"/></e:PropertySection></e:Environment>`;
    expect(parseOvfEnvironment(xml, 'x')).toEqual(new Map([['a', '1'], ['b', '2']]));
  });

  it("ignores the properties of a vApp's other VMs", () => {
    const xml = `<Environment xmlns="${ns}" xmlns:oe="${ns}" oe:id="web">
      <PropertySection><Property oe:key="mine" oe:value="yes"/></PropertySection>
      <Entity oe:id="db"><PropertySection><Property oe:key="theirs" oe:value="no"/></PropertySection></Entity>
    </Environment>`;
    expect(parseOvfEnvironment(xml, 'x')).toEqual(new Map([['mine', 'yes']]));
  });

  it('an environment without properties is empty, not an error', () => {
    expect(parseOvfEnvironment(`<Environment xmlns="${ns}"/>`, 'x').size).toBe(0);
  });

  it('refuses malformed XML with its line and column', () => {
    const xml = `<Environment xmlns="${ns}" xmlns:oe="${ns}">\n<PropertySection>\n<Property oe:key="a" oe:value="1">\n</PropertySection></Environment>`;
    expect(codeOf(() => parseOvfEnvironment(xml, 'ovf-env.xml'))).toBe('SB_OVF_ENVIRONMENT_INVALID');
    expect(() => parseOvfEnvironment(xml, 'ovf-env.xml')).toThrow(/^ovf-env\.xml:\d+:\d+: not well-formed XML/);
  });

  it('refuses a document that is not an OVF environment, or one with a DOCTYPE', () => {
    expect(codeOf(() => parseOvfEnvironment('<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>', 'x'))).toBe('SB_OVF_ENVIRONMENT_INVALID');
    expect(codeOf(() => parseOvfEnvironment('<Environment xmlns="urn:other"/>', 'x'))).toBe('SB_OVF_ENVIRONMENT_INVALID');
    expect(codeOf(() => parseOvfEnvironment('', 'x'))).toBe('SB_OVF_ENVIRONMENT_INVALID');
    const bomb = `<?xml version="1.0"?><!DOCTYPE Environment [<!ENTITY a "aaaa">]><Environment xmlns="${ns}"/>`;
    expect(codeOf(() => parseOvfEnvironment(bomb, 'x'))).toBe('SB_OVF_ENVIRONMENT_INVALID');
  });

  it('refuses a property without a key', () => {
    const xml = `<Environment xmlns="${ns}" xmlns:oe="${ns}"><PropertySection><Property oe:value="1"/></PropertySection></Environment>`;
    expect(() => parseOvfEnvironment(xml, 'x')).toThrow(/no oe:key/);
  });
});

describe('OVF environment transports', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  /** A fake system: vmtoolsd answers `tools`; mount copies `disc` into the mount point. */
  function fakeSystem(tools: CommandResult, disc?: Record<string, string>) {
    const calls: string[] = [];
    const run: RunCommand = async (command, args) => {
      calls.push(`${command} ${args.join(' ')}`);
      if (command === 'vmtoolsd') return tools;
      if (command === 'mount') {
        if (!disc) return { code: 32, stdout: '', stderr: 'mount: /dev/sr0: no medium found' };
        const mountPoint = args[args.length - 1]!;
        for (const [name, text] of Object.entries(disc)) await writeFile(join(mountPoint, name), text);
        return { code: 0, stdout: '', stderr: '' };
      }
      if (command === 'umount') {
        // Unmounting empties the mount point, as the real one does.
        for (const name of Object.keys(disc ?? {})) await rm(join(args[0]!, name));
        return { code: 0, stdout: '', stderr: '' };
      }
      throw new Error(`unexpected ${command}`);
    };
    return { calls, deps: { run, cdromDevices: async () => ['/dev/sr0'], note: () => undefined } };
  }

  it('takes the environment from VMware Tools first', async () => {
    const { calls, deps } = fakeSystem({ code: 0, stdout: '<Environment/>\n', stderr: '' }, { 'ovf-env.xml': 'iso' });
    const found = await findOvfEnvironment(deps);
    expect(found).toMatchObject({ transport: 'vmware-tools', document: '<Environment/>\n' });
    expect(calls).toEqual(['vmtoolsd --cmd info-get guestinfo.ovfEnv']);
  });

  it('falls back to ovf-env.xml on the CD-ROM when VMware Tools has none, and unmounts it', async () => {
    const { calls, deps } = fakeSystem({ code: 1, stdout: '', stderr: 'No value found' }, { 'ovf-env.xml': '<Environment from="iso"/>' });
    const found = await findOvfEnvironment(deps);
    expect(found).toMatchObject({ transport: 'iso', document: '<Environment from="iso"/>', where: '/dev/sr0:ovf-env.xml' });
    expect(calls[1]).toMatch(/^mount -t iso9660 -o ro,\S* \/dev\/sr0 \S+switchboard-ovf-/);
    expect(calls[2]).toMatch(/^umount \S+switchboard-ovf-/);
  });

  it('treats empty output of vmtoolsd as no environment, and an ISO 9660 name in capitals as the file', async () => {
    const { deps } = fakeSystem({ code: 0, stdout: '  \n', stderr: '' }, { 'OVF_ENV.XML': '<Environment/>' });
    expect(await findOvfEnvironment(deps)).toMatchObject({ transport: 'iso', where: '/dev/sr0:OVF_ENV.XML' });
  });

  it('finds none outside VMware with an empty drive, and says why', async () => {
    const notes: string[] = [];
    const { deps } = fakeSystem({ code: null, stdout: '', stderr: 'spawn vmtoolsd ENOENT' });
    const found = await findOvfEnvironment({ ...deps, note: (l) => notes.push(l) });
    expect(found.transport).toBe('none');
    expect(found.document).toBeUndefined();
    expect(notes.join('\n')).toMatch(/VMware Tools \(not installed or timed out\)[\s\S]*\/dev\/sr0: not mounted \(exit 32: mount: \/dev\/sr0: no medium found\)/);
  });

  it('--env-file reads the file, and a missing one is an environment error', async () => {
    expect(await readEnvironmentFile(fixture.pathname)).toMatchObject({ transport: 'file', where: fixture.pathname });
    await expect(readEnvironmentFile('/nonexistent/ovf-env.xml')).rejects.toMatchObject({ code: 'SB_OVF_ENVIRONMENT_INVALID' });
  });

  it('lists only /dev/sr* block devices and does not wait when the kernel has no CD-ROM drive', async () => {
    const dev = await mkdtemp(join(tmpdir(), 'ovf-dev-'));
    dirs.push(dev);
    await writeFile(join(dev, 'sr0'), ''); // a regular file, not a block device
    const started = Date.now();
    expect(await listCdromDevices({ devDir: dev, sysDir: dev, waitMs: 5_000 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
