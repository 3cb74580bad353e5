// A function's version: a hash of what it runs (its files) and how (its manifest). The
// processor compares versions to know when a reload needs new workers; an unchanged function
// keeps its warm ones.

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Past this many bytes of a folder, files are fingerprinted by size and mtime, not read. */
const MAX_HASHED_BYTES = 32 * 1024 * 1024;

async function* filesUnder(folder: string): AsyncGenerator<string> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * sha256 (hex, 16 chars) over the entry, every file of a folder function (dependencies in
 * node_modules included: an upgraded library is a new version) and the manifest.
 */
export async function functionVersion(entry: string, folder: string | undefined, manifestFile: string | undefined): Promise<string> {
  const hash = createHash('sha256');
  let budget = MAX_HASHED_BYTES;
  const add = async (path: string, label: string) => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    hash.update(`${label}\u0000${info.mode & 0o111 ? 'x' : '-'}\u0000`);
    if (info.size <= budget) {
      budget -= info.size;
      hash.update(await readFile(path).catch(() => Buffer.alloc(0)));
    } else {
      hash.update(`${info.size}:${info.mtimeMs}`);
    }
    hash.update('\u0000');
  };
  if (folder) for await (const file of filesUnder(folder)) await add(file, relative(folder, file));
  else await add(entry, entry);
  if (manifestFile && !(folder && manifestFile.startsWith(`${folder}/`))) await add(manifestFile, 'manifest');
  return hash.digest('hex').slice(0, 16);
}
