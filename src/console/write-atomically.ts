// agetty may read the banner at any moment: it sees the old text or the new, never half.

import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(partial, text, { flag: 'wx', mode: 0o644 });
    await chmod(partial, 0o644); // whatever the umask: `cat /etc/issue` works for anyone
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
