import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Absolute path of an executable found on PATH (plus the sbin folders Debian puts servers in). */
export async function findOnPath(name: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...path.split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
