// The embedded nats-server listens on loopback, where functions (which may open network
// connections) could reach it too. A token only the appliance's user can read keeps them
// from publishing, deleting consumers or purging streams.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function embeddedTokenFile(dataDir: string): string {
  return join(dataDir, 'nats-token');
}

/** The token of the bus in `dataDir`, created (mode 0600) on first start. */
export async function readOrCreateEmbeddedToken(dataDir: string): Promise<string> {
  const file = embeddedTokenFile(dataDir);
  const existing = await readEmbeddedToken(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err; // another start won the race: use its token
  });
  return readEmbeddedToken(dataDir);
}

export async function readEmbeddedToken(dataDir: string): Promise<string> {
  return (await readFile(embeddedTokenFile(dataDir), 'utf8')).trim();
}
