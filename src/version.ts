// The installed package's version: the nearest package.json named switchboard above this
// module (dist/src/ in the package, src/ in a checkout).

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: Promise<string> | undefined;

/** Read once per process. */
export function readVersion(): Promise<string> {
  return (version ??= findVersion());
}

async function findVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const pkg = await readFile(join(dir, 'package.json'), 'utf8').then((t) => JSON.parse(t) as { name?: string; version?: string }, () => undefined);
    if (pkg?.name === 'switchboard' && typeof pkg.version === 'string') return pkg.version;
  }
  return 'unknown version';
}
