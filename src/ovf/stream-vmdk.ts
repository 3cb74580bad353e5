// Reading a streamOptimized VMDK (VMware "Virtual Disk Format 5.0", sparse extents and
// stream-optimized compressed extents) far enough to check it and to find where its
// stream ends. Pure: the caller supplies the reads (scripts/seal-vmdk.ts does the I/O).
//
// Why the end matters: a stream reader (vSphere's import over NFC, ovftool, Workstation)
// reads grain after grain and stops at the end-of-stream marker, a sector of zeros.
// qemu-img's streamOptimized output does not end there: after the last grain it leaves
// the rest of that grain's cluster as zeros (up to 64 KiB the reader never reads), and
// when the last grain fills its cluster it writes no end-of-stream marker at all. Digests
// then disagree with what the reader consumed ("SHA digest of file … does not match
// manifest": coreos-assembler#1156, home-assistant/operating-system#2121,
// osbuild/image-builder#431) and content-library uploads fail with "Pipe closed"
// (siderolabs/image-factory#232, after which Talos left qemu-img for vmdk-convert).
// sealStream's plan cuts the file right after the last grain and ends it with exactly one
// end-of-stream marker, so the file is the stream, byte for byte.

export const SECTOR = 512;

const MAGIC = 'KDMV';
const FLAG_COMPRESSED = 1 << 16;
const FLAG_MARKERS = 1 << 17;
const COMPRESSION_DEFLATE = 1;
// ESXi refuses older sparse versions in a streamOptimized disk: "Not a supported disk
// format (sparse VMDK version too old)"; qemu-img writes 3 since 2.5.1 (COT issue #65).
const STREAM_VERSION = 3;

const MARKER_EOS = 0;

export interface SparseHeader {
  readonly version: number;
  readonly flags: number;
  readonly capacitySectors: number;
  readonly grainSectors: number;
  readonly descriptorOffset: number;
  readonly descriptorSectors: number;
  readonly overheadSectors: number;
  readonly compressAlgorithm: number;
}

/** The sparse extent header in the file's first sector. Throws if it is not one. */
export function parseSparseHeader(sector: Buffer): SparseHeader {
  if (sector.length < SECTOR || sector.toString('latin1', 0, 4) !== MAGIC) {
    throw new Error('not a sparse VMDK: the file does not start with "KDMV"');
  }
  return {
    version: sector.readUInt32LE(4),
    flags: sector.readUInt32LE(8),
    capacitySectors: u64(sector, 12),
    grainSectors: u64(sector, 20),
    descriptorOffset: u64(sector, 28),
    descriptorSectors: u64(sector, 36),
    overheadSectors: u64(sector, 64),
    compressAlgorithm: sector.readUInt16LE(77),
  };
}

/** The embedded text descriptor, up to its first NUL. */
export function descriptorText(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
}

/** createType="…" of a descriptor, if it has one. */
export function createType(descriptor: string): string | undefined {
  return /^createType\s*=\s*"([^"]*)"/m.exec(descriptor)?.[1];
}

/** Every reason the extent is not a streamOptimized disk vSphere takes; empty when it is. */
export function streamProblems(header: SparseHeader, descriptor: string): string[] {
  const problems: string[] = [];
  const type = createType(descriptor);
  if (type !== 'streamOptimized') problems.push(`createType is "${type ?? '(none)'}", not "streamOptimized"`);
  if (header.version !== STREAM_VERSION) problems.push(`sparse version is ${header.version}, not ${STREAM_VERSION} (qemu-img before 2.5.1?)`);
  if ((header.flags & FLAG_COMPRESSED) === 0) problems.push('grains are not compressed');
  if ((header.flags & FLAG_MARKERS) === 0) problems.push('grains have no markers');
  if (header.compressAlgorithm !== COMPRESSION_DEFLATE) problems.push(`compression is ${header.compressAlgorithm}, not deflate (1)`);
  if (header.grainSectors === 0 || header.overheadSectors === 0) problems.push('grain size or overhead is 0');
  return problems;
}

export interface StreamExtent {
  /** Grain markers read. */
  readonly grains: number;
  /** Offset just past the last grain or metadata block: where the end marker belongs. */
  readonly contentEnd: number;
  /** Whether a zero end-of-stream marker starts at contentEnd. */
  readonly endMarker: boolean;
}

export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/**
 * Walks the markers from the end of the header's overhead to the end-of-stream marker or
 * the end of the file. A grain marker is lba (u64), compressed size (u32) and the data,
 * padded to a sector; a metadata marker has size 0, its type at byte 12 and its block
 * (val sectors) in the sectors after it.
 */
export async function scanStream(header: SparseHeader, fileSize: number, readAt: ReadAt): Promise<StreamExtent> {
  let offset = header.overheadSectors * SECTOR;
  let grains = 0;
  while (offset < fileSize) {
    if (offset + 16 > fileSize) throw new Error(`truncated marker at byte ${offset}`);
    const marker = await readAt(offset, 16);
    const size = marker.readUInt32LE(8);
    if (size > 0) {
      grains += 1;
      offset += roundUp(12 + size);
      continue;
    }
    const type = marker.readUInt32LE(12);
    if (type === MARKER_EOS) return { grains, contentEnd: offset, endMarker: true };
    offset += SECTOR + u64(marker, 0) * SECTOR;
  }
  if (offset > fileSize) throw new Error(`the last grain runs past the end of the file (${offset} > ${fileSize})`);
  return { grains, contentEnd: offset, endMarker: false };
}

/** Bytes a sealed stream has: everything up to contentEnd, then one end-of-stream sector. */
export function sealedSize(extent: StreamExtent): number {
  return extent.contentEnd + SECTOR;
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / SECTOR) * SECTOR;
}

function u64(buf: Buffer, offset: number): number {
  const n = buf.readBigUInt64LE(offset);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`value at byte ${offset} is too large: ${n}`);
  return Number(n);
}
