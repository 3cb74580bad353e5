// Every version of a function that runs is a copy of its files in a private folder, and
// workers load the copy. Workers start long after a reload (the pool grows under load,
// scales up from zero after idling, replaces a crashed or recycled worker) and executables
// start one process per invocation: loading from the functions folder would run whatever it
// holds at that moment — a half-saved file, or the broken version a reload refused. So
// "the last good version keeps serving" and "in-flight invocations finish on the old version"
// hold only if the old version's files stay as they were.

import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { maxFunctionTimeout } from '../config/defaults.js';
import { parseDuration } from '../config/units.js';
import type { FunctionDefinition } from '../runtime/function-definition.js';
import { functionVersion } from '../runtime/function-version.js';
import type { LoadedFunction } from './live-catalog.js';

/**
 * A replaced version's copy is deleted once no invocation can still be running on it:
 * none runs longer than the longest function timeout.
 */
export const retiredSnapshotLifetimeMs = parseDuration(maxFunctionTimeout) + 60_000;

export class FunctionSnapshots {
  readonly root: string;
  readonly #timers = new Set<NodeJS.Timeout>();
  #taken = 0;

  private constructor(root: string) {
    this.root = root;
  }

  /** A fresh folder under `parent`; `remove()` deletes it on stop, the next start after a crash. */
  static async create(parent = tmpdir()): Promise<FunctionSnapshots> {
    await removeOrphans(parent);
    const root = await mkdtemp(join(parent, `${rootPrefix}${process.pid}-`));
    // Others may pass through but not list it: a function running as nobody reaches its own
    // copy, whose files and folders keep the modes they have in the functions folder.
    await chmod(root, 0o711);
    return new FunctionSnapshots(root);
  }

  /**
   * Copy the function's files; the definition that runs the copy. Undefined when the files
   * changed while being copied (the copy may mix two versions): the change that did it
   * triggers another reload, which copies again.
   */
  async take(source: FunctionDefinition): Promise<LoadedFunction | undefined> {
    this.#taken += 1;
    const dir = join(this.root, `${source.name}@${source.version}.${this.#taken}`);
    const mapped = new Map(source.readablePaths.map((path) => [path, join(dir, basename(path))]));
    for (const [from, to] of mapped) await copyTree(from, to, from);
    if ((await versionOf(source)) !== source.version) {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    const map = (path: string) => {
      for (const [from, to] of mapped) {
        if (path === from) return to;
        if (path.startsWith(`${from}${sep}`)) return join(to, relative(from, path));
      }
      return path;
    };
    const running: FunctionDefinition = { ...source, entry: map(source.entry), readablePaths: [...mapped.values()] };
    return { source, running };
  }

  /** Delete a copy nothing runs any more: now, or (`later`) once in-flight invocations are over. */
  discard(loaded: LoadedFunction, later = false): void {
    if (loaded.running === loaded.source) return;
    const dir = folderOf(this.root, loaded.running.entry);
    if (!later) {
      void rm(dir, { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }, retiredSnapshotLifetimeMs);
    timer.unref();
    this.#timers.add(timer);
  }

  async remove(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await rm(this.root, { recursive: true, force: true });
  }
}

const rootPrefix = 'switchboard-functions-';

/** Folders of appliances that died without removing theirs (SIGKILL, out of memory). */
async function removeOrphans(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = name.startsWith(rootPrefix) ? Number.parseInt(name.slice(rootPrefix.length), 10) : Number.NaN;
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The version the registry would give the function's files now (see function-registry.ts). */
function versionOf(fn: FunctionDefinition): Promise<string> {
  const folder = fn.readablePaths.length === 1 && fn.readablePaths[0] !== fn.entry ? fn.readablePaths[0] : undefined;
  return functionVersion(fn.entry, folder, fn.manifestFile);
}

async function copyLinkWithin(src: string, dst: string, root: string): Promise<void> {
  const [target, realRoot] = await Promise.all([realpath(src).catch(() => undefined), realpath(root)]);
  if (!target || (target !== realRoot && !target.startsWith(`${realRoot}${sep}`))) return;
  // The same place inside the copy, as seen from the link's folder in the copy.
  const inCopy = join(dst.slice(0, dst.length - relative(root, src).length), relative(realRoot, target));
  await symlink(relative(dirname(dst), inCopy) || '.', dst);
}

/** <root>/<name>@<version>.<n> holding `path`. */
function folderOf(root: string, path: string): string {
  return join(root, relative(root, path).split(sep)[0]!);
}

/**
 * Files copied (a reflink where the file system can); a symlink kept as a (relative) link
 * when it points inside the function's own folder `root`, and left out when it points
 * anywhere else — the copy must not give the function a way to read another function's
 * files or a secret. Sockets, devices and fifos are skipped.
 */
async function copyTree(from: string, to: string, root: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (!entries) {
    await mkdir(join(to, '..'), { recursive: true });
    await copyFile(from, to, constants.COPYFILE_FICLONE);
    return;
  }
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) await copyTree(src, dst, root);
    else if (entry.isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
    else if (entry.isSymbolicLink()) await copyLinkWithin(src, dst, root);
  }
  // Others' access as in the functions folder; the owner's full, so the copy can be removed.
  await chmod(to, ((await stat(from)).mode & 0o7777) | 0o700);
}
