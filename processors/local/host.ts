// The facts about this machine the sandboxes are built from (system-view.ts,
// executable/sandbox.ts, worker-sandbox.ts): how the system paths are laid out, where the
// tools are, which protected paths exist. Read once per processor; all I/O of the
// sandboxes' plan is here.

import { access, constants, lstat, readlink, realpath, stat } from 'node:fs/promises';
import { alwaysHiddenFiles, systemPaths, type HostPath, type SystemEntry } from './system-view.js';

export interface HostFacts {
  readonly system: readonly SystemEntry[];
  /** /etc/resolv.conf's real path when it lies outside /etc (systemd-resolved's stub). */
  readonly resolvConf?: string;
  /** util-linux's prlimit (address-space limit) and setpriv (switch to nobody), if installed. */
  readonly prlimit?: string;
  readonly setpriv?: string;
}

async function systemEntry(path: string): Promise<SystemEntry | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) return { path, kind: 'symlink', target: await readlink(path) };
  return info.isDirectory() ? { path, kind: 'dir' } : undefined;
}

async function firstExecutable(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

export async function probeHost(): Promise<HostFacts> {
  const system = (await Promise.all(systemPaths.map(systemEntry))).filter((e): e is SystemEntry => e !== undefined);
  const resolv = await realpath('/etc/resolv.conf').catch(() => undefined);
  const prlimit = await firstExecutable(['/usr/bin/prlimit', '/bin/prlimit']);
  const setpriv = await firstExecutable(['/usr/bin/setpriv', '/bin/setpriv']);
  return {
    system,
    ...(resolv && !resolv.startsWith('/etc/') ? { resolvConf: resolv } : {}),
    ...(prlimit ? { prlimit } : {}),
    ...(setpriv ? { setpriv } : {}),
  };
}

/**
 * The protected paths that exist, by real path (a symlink's target is what holds the data),
 * with the always-hidden password files added.
 */
export async function resolveHidden(paths: readonly string[]): Promise<HostPath[]> {
  const found = await Promise.all([...new Set([...paths, ...alwaysHiddenFiles])].map(async (path): Promise<HostPath | undefined> => {
    try {
      const real = await realpath(path);
      return { path: real, kind: (await stat(real)).isDirectory() ? 'dir' : 'file' };
    } catch {
      return undefined; // not there: nothing to hide
    }
  }));
  return found.filter((p): p is HostPath => p !== undefined);
}
