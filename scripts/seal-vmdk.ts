// Checks a streamOptimized VMDK written by qemu-img and ends it where its stream ends
// (see src/ovf/stream-vmdk.ts for why), in place. Prints one line for appliance/build-ova:
//
//   <file size> <disk capacity> <populated size>     (bytes)
//
//   node dist/scripts/seal-vmdk.js disk.vmdk

import { open } from 'node:fs/promises';
import { descriptorText, parseSparseHeader, scanStream, sealedSize, SECTOR, streamProblems } from '../src/ovf/stream-vmdk.js';

async function seal(path: string): Promise<string> {
  const file = await open(path, 'r+');
  try {
    const readAt = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    };
    const header = parseSparseHeader(await readAt(0, SECTOR));
    const descriptor = descriptorText(await readAt(header.descriptorOffset * SECTOR, header.descriptorSectors * SECTOR));
    const problems = streamProblems(header, descriptor);
    if (problems.length > 0) throw new Error(`${path} is not a streamOptimized VMDK vSphere accepts: ${problems.join('; ')}`);

    const { size } = await file.stat();
    const extent = await scanStream(header, size, readAt);
    const sealed = sealedSize(extent);
    // Everything from contentEnd on becomes one sector of zeros: the end-of-stream marker.
    await file.truncate(extent.contentEnd);
    await file.write(Buffer.alloc(SECTOR), 0, SECTOR, extent.contentEnd);
    const change = sealed - size;
    if (change !== 0) process.stderr.write(`seal-vmdk: ${change < 0 ? `cut ${-change} bytes after the end of the stream` : 'added the end-of-stream marker'}\n`);

    const capacity = header.capacitySectors * SECTOR;
    const populated = extent.grains * header.grainSectors * SECTOR;
    return `${sealed} ${capacity} ${populated}`;
  } finally {
    await file.close();
  }
}

const [path, ...rest] = process.argv.slice(2);
if (path === undefined || rest.length > 0) {
  process.stderr.write('usage: seal-vmdk <disk.vmdk>\n');
  process.exit(2);
}
try {
  process.stdout.write(`${await seal(path)}\n`);
} catch (err) {
  process.stderr.write(`seal-vmdk: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
