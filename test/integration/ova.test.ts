// The OVA (appliance/build-ova), built from a small qcow2 made here rather than the real
// image (which needs root and minutes): archive layout, manifest, the VMDK's format and
// stream, the descriptor's references, and that the disk still holds what the qcow2 held.
// Needs qemu-img (qemu-utils); without it the test says why it skipped.

import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorText, parseSparseHeader, scanStream, sealedSize, SECTOR, streamProblems } from '../../src/ovf/stream-vmdk.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const { version } = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default as { version: string };

const has = (tool: string, arg = '--version'): boolean => spawnSync(tool, [arg], { stdio: 'ignore' }).status === 0;
// qemu-io writes data into the test disk: without it the disk is empty and the trimming is never exercised.
const whyNot = has('qemu-img') && has('qemu-io', '--version') ? undefined : 'qemu-img or qemu-io is missing (apt-get install -y qemu-utils)';
if (whyNot) console.warn(`ova.test.ts skipped: ${whyNot}`);

interface Member {
  name: string;
  uid: number;
  gid: number;
  magic: string;
  data: Buffer;
}

// ustar (POSIX.1-1988): 512-byte headers, octal numbers, data padded to 512, two zero blocks.
function untar(archive: Buffer): Member[] {
  const members: Member[] = [];
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const h = archive.subarray(offset, offset + 512);
    if (h.every((b) => b === 0)) break;
    const field = (start: number, length: number): string => h.toString('latin1', start, start + length).replace(/\0.*$/s, '');
    const octal = (start: number, length: number): number => parseInt(field(start, length).trim() || '0', 8);
    const size = octal(124, 12);
    const prefix = field(345, 155);
    members.push({
      name: prefix ? `${prefix}/${field(0, 100)}` : field(0, 100),
      uid: octal(108, 8),
      gid: octal(116, 8),
      magic: h.toString('latin1', 257, 265),
      data: archive.subarray(offset + 512, offset + 512 + size),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe.skipIf(whyNot !== undefined)('the OVA', () => {
  let dir: string;
  let qcow2: string;
  let ova: string;
  let members: Member[];
  const byExtension = (ext: string): Member => {
    const m = members.find((x) => x.name.endsWith(ext));
    if (!m) throw new Error(`no ${ext} member`);
    return m;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-ova-'));
    qcow2 = join(dir, 'x.qcow2');
    await run('qemu-img', ['create', '-f', 'qcow2', qcow2, '64M']);
    // Some data, so the VMDK has grains (and qemu-img leaves its zeros after the last one).
    await run('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 0 2M', '-c', 'write -P 0x5a 40M 100k', qcow2]);
    const built = await run('bash', [join(root, 'appliance', 'build-ova'), qcow2, join(dir, 'out')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    ova = built.stdout.trim().split('\n').at(-1)!;
    members = untar(await readFile(ova));
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is named by version and its path is the last line printed', () => {
    expect(ova).toBe(join(dir, 'out', `switchboard-${version}.ova`));
  });

  it('puts the descriptor first, then the manifest, then the disk, as ustar members owned by 0:0', () => {
    expect(members.map((m) => m.name)).toEqual([`switchboard-${version}.ovf`, `switchboard-${version}.mf`, `switchboard-${version}-disk1.vmdk`]);
    for (const m of members) {
      expect(m.magic, m.name).toBe('ustar\u000000');
      expect([m.uid, m.gid], m.name).toEqual([0, 0]);
    }
  });

  it("lists every other member's SHA256 in ovftool's form, and each matches", () => {
    const lines = byExtension('.mf').data.toString('utf8').trim().split('\n');
    const sums = new Map(lines.map((line) => {
      const m = /^SHA256\(([^)]+)\)= ([0-9a-f]{64})$/.exec(line);
      expect(m, line).not.toBeNull();
      return [m![1]!, m![2]!] as const;
    }));
    const others = members.filter((m) => !m.name.endsWith('.mf'));
    expect([...sums.keys()].sort()).toEqual(others.map((m) => m.name).sort());
    for (const m of others) expect(sums.get(m.name), m.name).toBe(sha256(m.data));
  });

  it('carries a streamOptimized sparse VMDK whose stream ends exactly where the file ends', async () => {
    const vmdk = byExtension('.vmdk').data;
    expect(vmdk.toString('latin1', 0, 4)).toBe('KDMV');
    const header = parseSparseHeader(vmdk.subarray(0, SECTOR));
    const descriptor = descriptorText(vmdk.subarray(header.descriptorOffset * SECTOR, (header.descriptorOffset + header.descriptorSectors) * SECTOR));
    expect(descriptor).toMatch(/^createType="streamOptimized"$/m);
    expect(streamProblems(header, descriptor)).toEqual([]);
    const extent = await scanStream(header, vmdk.length, (o, l) => Promise.resolve(vmdk.subarray(o, o + l)));
    expect(extent.endMarker).toBe(true);
    expect(sealedSize(extent)).toBe(vmdk.length);
  });

  it("references the VMDK by its name and real size, and declares the qcow2's capacity", () => {
    const vmdk = byExtension('.vmdk');
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false });
    const envelope = parser.parse(byExtension('.ovf').data.toString('utf8')).Envelope;
    expect(envelope.References.File['@ovf:href']).toBe(vmdk.name);
    expect(envelope.References.File['@ovf:size']).toBe(String(vmdk.data.length));
    expect(envelope.DiskSection.Disk['@ovf:capacity']).toBe(String(64 * 1024 * 1024));
    expect(envelope.DiskSection.Disk['@ovf:fileRef']).toBe(envelope.References.File['@ovf:id']);
  });

  it('holds the same disk contents as the qcow2 it was made from', async () => {
    const extracted = join(dir, 'extracted');
    await mkdir(extracted, { recursive: true });
    const vmdk = join(extracted, 'disk.vmdk');
    await writeFile(vmdk, byExtension('.vmdk').data);
    const compared = await run('qemu-img', ['compare', '-f', 'qcow2', '-F', 'vmdk', qcow2, vmdk]);
    expect(compared.stdout).toMatch(/Images are identical/);
  });
});
