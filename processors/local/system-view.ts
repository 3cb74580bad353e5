// What every sandboxed function process sees of the system, whatever its runtime: the system
// read-only (/usr, /etc, and /bin /lib /lib64 /sbin as the host has them: symlinks on a
// usrmerged Debian), the password hashes and the appliance's protected paths masked where
// they fall under a mounted tree, and — when the appliance is root — the user nobody. Pure:
// host.ts gathers the host's facts. Executables (executable/sandbox.ts) and JavaScript
// workers (worker-sandbox.ts) add their own files on top.

/** The unprivileged user functions run as when the appliance runs as root. */
export const nobody = Object.freeze({ uid: 65534, gid: 65534 });
/** Files hidden whatever the configuration says: password hashes. */
export const alwaysHiddenFiles: readonly string[] = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-'];
/** Top-level system paths mounted read-only when the host has them. */
export const systemPaths: readonly string[] = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** How the host has one top-level system path: a directory to bind, or a symlink to recreate. */
export type SystemEntry =
  | { readonly path: string; readonly kind: 'dir' }
  | { readonly path: string; readonly kind: 'symlink'; readonly target: string };

/** An existing host path, by its real path. */
export interface HostPath {
  readonly path: string;
  readonly kind: 'dir' | 'file';
}

/** A host tree and where it appears inside the sandbox. */
export interface Mount {
  readonly host: string;
  readonly sandbox: string;
}

export function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * Folders bwrap must create for these mount points, outermost first, leaving out those that
 * exist already in a mounted tree. Made explicitly world-traversable: bwrap running as root
 * would create them 0700, and nobody could not reach its own files through them.
 */
export function parentDirs(destinations: readonly string[], mounted: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const destination of destinations) {
    const parts = destination.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!dirs.includes(dir) && !mounted.some((m) => dir === m || isUnder(dir, m))) dirs.push(dir);
    }
  }
  return dirs;
}

/**
 * Masks for the hidden paths that fall strictly under a mounted tree, as sandbox paths. A
 * path that is a mount itself or above one (config in /etc: its folder is /etc) is not
 * masked — only what is below; a path under an already masked folder needs nothing more.
 */
export function masksFor(mounts: readonly Mount[], hidden: readonly HostPath[]): HostPath[] {
  const masks: HostPath[] = [];
  for (const item of hidden) {
    for (const mount of mounts) {
      if (!isUnder(item.path, mount.host)) continue;
      masks.push({ path: mount.sandbox + item.path.slice(mount.host.length), kind: item.kind });
    }
  }
  const dirs = masks.filter((m) => m.kind === 'dir').map((m) => m.path);
  const seen = new Set<string>();
  return masks
    .filter((m) => !dirs.some((d) => isUnder(m.path, d)))
    .filter((m) => !seen.has(m.path) && seen.add(m.path))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** bwrap options for the masks: an empty tmpfs over a folder, the null device over a file (reading it fails: the bind is nodev). */
export function maskArgs(masks: readonly HostPath[]): string[] {
  return masks.flatMap((mask) => (mask.kind === 'dir' ? ['--tmpfs', mask.path] : ['--ro-bind', '/dev/null', mask.path]));
}

/** The system trees as bwrap options, and what they mount. */
export function systemArgs(system: readonly SystemEntry[]): { args: string[]; mounts: Mount[] } {
  const args: string[] = [];
  const mounts: Mount[] = [];
  for (const entry of system) {
    if (entry.kind === 'symlink') {
      args.push('--symlink', entry.target, entry.path);
    } else {
      args.push('--ro-bind', entry.path, entry.path);
      mounts.push({ host: entry.path, sandbox: entry.path });
    }
  }
  return { args, mounts };
}

/**
 * As root bwrap keeps no capability unless asked; setpriv needs these three to switch to
 * nobody and empty the bounding set. no_new_privs (bwrap sets it) keeps them from ever
 * coming back.
 */
export const capabilitiesToDropPrivileges: readonly string[] = ['--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP'];

/** The command prefix, run inside bwrap, that becomes nobody: no groups, no capabilities, an empty bounding set. */
export function becomeNobody(setpriv: string): string[] {
  return [setpriv, `--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--'];
}
