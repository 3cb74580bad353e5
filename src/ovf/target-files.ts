// The files `switchboard ovf apply` manages, written under a root prefix (`/` on the
// appliance, a temporary folder in tests). A file is only written when its content or mode
// differs, and always atomically — a temporary file beside it, synced, then renamed — so a
// power cut at boot leaves the old file or the new one, never half of either.

import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OvfApplyError } from '../errors.js';
import type { SystemActions } from './system-actions.js';

export interface Owner {
  readonly user: string | number;
  readonly group: string | number;
}

export interface TargetFile {
  /** The path on the appliance, absolute. */
  readonly path: string;
  /** null: the file must not exist. */
  readonly content: string | null;
  readonly mode: number;
  /** Absent: whoever writes it (root on the appliance). */
  readonly owner?: Owner;
}

export class TargetRoot {
  constructor(
    readonly root: string,
    private readonly system: SystemActions,
  ) {}

  /** Where `path` of the appliance is on this machine. */
  resolve(path: string): string {
    return join(this.root, path);
  }

  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.resolve(path), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file where a folder on its path should be; then writing it fails, and says so.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw failure('read', this.resolve(path), err);
    }
  }

  async exists(path: string): Promise<boolean> {
    return lstat(this.resolve(path)).then(() => true, () => false);
  }

  /** Brings one file to what `file` says; true when anything changed. */
  async sync(file: TargetFile): Promise<boolean> {
    const real = this.resolve(file.path);
    if (file.content === null) return this.remove(file.path);
    const current = await this.read(file.path);
    if (current === file.content) {
      const mode = (await stat(real)).mode & 0o7777;
      if (mode === file.mode) return false;
      await chmod(real, file.mode).catch((err: unknown) => {
        throw failure('change the mode of', real, err);
      });
      return true;
    }
    const temp = await this.writeTemp(file.path, file.content, file.mode, file.owner);
    await this.commit(temp, file.path);
    return true;
  }

  async remove(path: string): Promise<boolean> {
    const real = this.resolve(path);
    if (!(await this.exists(path))) return false;
    await rm(real, { force: true }).catch((err: unknown) => {
      throw failure('remove', real, err);
    });
    return true;
  }

  /** A synced temporary file beside `path` with its final mode and owner; `commit` or `discard` it. */
  async writeTemp(path: string, content: string, mode: number, owner?: Owner): Promise<string> {
    const real = this.resolve(path);
    const temp = join(dirname(real), `.${basename(real)}.ovf-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(dirname(real), { recursive: true, mode: 0o755 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // After writing, and explicitly: the umask must not decide a secret's mode.
      await chmod(temp, mode);
      if (owner) await this.system.chown(temp, owner.user, owner.group);
      return temp;
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw failure('write', real, err);
    }
  }

  async commit(temp: string, path: string): Promise<void> {
    const real = this.resolve(path);
    await rename(temp, real).catch(async (err: unknown) => {
      await rm(temp, { force: true }).catch(() => undefined);
      throw failure('write', real, err);
    });
  }

  async discard(temp: string): Promise<void> {
    await rm(temp, { force: true });
  }

  /** A folder with its mode and owner, created when missing (an existing one is left as it is). */
  async ensureDir(path: string, mode: number, owner?: Owner): Promise<void> {
    const real = this.resolve(path);
    if (await this.exists(path)) return;
    try {
      await mkdir(real, { recursive: true, mode });
      await chmod(real, mode);
      if (owner) await this.system.chown(real, owner.user, owner.group);
    } catch (err) {
      throw failure('create', real, err);
    }
  }
}

const hints: Readonly<Record<string, string>> = {
  EROFS: 'the file system is read-only (mount -o remount,rw /)',
  EACCES: 'run it as root',
  EPERM: 'run it as root',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a file stands where a folder on its path should be: move it away',
  EEXIST: 'a file stands where a folder on its path should be: move it away',
};

function failure(action: string, path: string, err: unknown): OvfApplyError {
  if (err instanceof OvfApplyError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const hint = hints[code] ?? 'see the reason';
  return new OvfApplyError(`cannot ${action} ${path} (${code}): ${hint}, then run switchboard ovf apply again`, { cause: err });
}
