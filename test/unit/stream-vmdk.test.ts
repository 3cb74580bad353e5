import { describe, expect, it } from 'vitest';
import {
  createType,
  descriptorText,
  parseSparseHeader,
  scanStream,
  sealedSize,
  SECTOR,
  streamProblems,
  type ReadAt,
} from '../../src/ovf/stream-vmdk.js';

const GRAIN_SECTORS = 128;
const OVERHEAD_SECTORS = 4;

// A sparse extent header as qemu-img writes it for streamOptimized (version 3,
// compressed grains with markers, deflate).
function header(overrides: { version?: number; flags?: number; compress?: number } = {}): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('KDMV', 0, 'latin1');
  h.writeUInt32LE(overrides.version ?? 3, 4);
  h.writeUInt32LE(overrides.flags ?? 0x30003, 8);
  h.writeBigUInt64LE(131072n, 12); // capacity: 64 MiB
  h.writeBigUInt64LE(BigInt(GRAIN_SECTORS), 20);
  h.writeBigUInt64LE(1n, 28); // descriptor at sector 1
  h.writeBigUInt64LE(1n, 36); // one sector long
  h.writeBigUInt64LE(BigInt(OVERHEAD_SECTORS), 64);
  h.writeUInt16LE(overrides.compress ?? 1, 77);
  return h;
}

function grain(lba: number, compressedBytes: number): Buffer {
  const g = Buffer.alloc(Math.ceil((12 + compressedBytes) / SECTOR) * SECTOR);
  g.writeBigUInt64LE(BigInt(lba), 0);
  g.writeUInt32LE(compressedBytes, 8);
  g.fill(0xab, 12, 12 + compressedBytes);
  return g;
}

function file(...parts: Buffer[]): { bytes: Buffer; readAt: ReadAt } {
  const bytes = Buffer.concat([Buffer.alloc(OVERHEAD_SECTORS * SECTOR), ...parts]);
  return { bytes, readAt: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)) };
}

const descriptor = '# Disk DescriptorFile\nversion=1\ncreateType="streamOptimized"\n';

describe('streamOptimized VMDK', () => {
  it('reads the header qemu-img writes and finds nothing wrong with it', () => {
    const h = parseSparseHeader(header());
    expect(h).toMatchObject({ version: 3, grainSectors: GRAIN_SECTORS, overheadSectors: OVERHEAD_SECTORS, capacitySectors: 131072 });
    expect(streamProblems(h, descriptor)).toEqual([]);
  });

  it('names each reason a disk is not one vSphere imports', () => {
    const problems = streamProblems(parseSparseHeader(header({ version: 1, flags: 3, compress: 0 })), descriptor.replace('streamOptimized', 'monolithicSparse'));
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/monolithicSparse[\s\S]*version is 1[\s\S]*not compressed[\s\S]*no markers[\s\S]*not deflate/);
  });

  it('refuses a file that is not a sparse extent', () => {
    expect(() => parseSparseHeader(Buffer.alloc(SECTOR))).toThrow(/KDMV/);
  });

  it('reads the createType out of the embedded descriptor', () => {
    const bytes = Buffer.alloc(SECTOR);
    bytes.write(descriptor, 0, 'latin1');
    expect(createType(descriptorText(bytes))).toBe('streamOptimized');
  });

  it('finds the end of the stream before the zeros qemu-img leaves after the last grain', async () => {
    const grains = [grain(0, 700), grain(128, 3000)];
    const { bytes, readAt } = file(...grains, Buffer.alloc(63 * SECTOR));
    const extent = await scanStream(parseSparseHeader(header()), bytes.length, readAt);
    const contentEnd = OVERHEAD_SECTORS * SECTOR + grains[0]!.length + grains[1]!.length;
    expect(extent).toEqual({ grains: 2, contentEnd, endMarker: true });
    expect(sealedSize(extent)).toBe(contentEnd + SECTOR);
  });

  it('notices a stream whose last grain ends the file with no end marker', async () => {
    const { bytes, readAt } = file(grain(0, 65536 + 20));
    const extent = await scanStream(parseSparseHeader(header()), bytes.length, readAt);
    expect(extent).toEqual({ grains: 1, contentEnd: bytes.length, endMarker: false });
    expect(sealedSize(extent)).toBe(bytes.length + SECTOR);
  });

  it('steps over metadata blocks (grain tables, footer) to the real end marker', async () => {
    const gtMarker = Buffer.alloc(SECTOR);
    gtMarker.writeBigUInt64LE(4n, 0); // 4 sectors of grain table follow
    gtMarker.writeUInt32LE(1, 12);
    const { bytes, readAt } = file(grain(0, 100), gtMarker, Buffer.alloc(4 * SECTOR, 1), grain(128, 100), Buffer.alloc(SECTOR));
    const extent = await scanStream(parseSparseHeader(header()), bytes.length, readAt);
    expect(extent).toEqual({ grains: 2, contentEnd: bytes.length - SECTOR, endMarker: true });
  });

  it('refuses a file cut inside a grain', async () => {
    const { bytes, readAt } = file(grain(0, 2000));
    await expect(scanStream(parseSparseHeader(header()), bytes.length - SECTOR, readAt)).rejects.toThrow(/past the end/);
  });
});
