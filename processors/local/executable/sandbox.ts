// The sandbox of one executable invocation (Python, shell, any binary) as bubblewrap
// arguments, and the command line run inside it. Pure: host.ts gathers the
// host's facts (how /bin and /lib are laid out, which protected paths exist), run.ts
// spawns.
//
// What the process sees: the system read-only (/usr, /etc, and /bin /lib /lib64 /sbin as the
// host has them: symlinks on a usrmerged Debian), a fresh /proc and /dev, its own folder (or
// single file) read-only at /function, a private writable /tmp, its secrets at /run/secrets —
// and nothing else of the host. Not the appliance's config, the bus store, the other
// functions or the secrets folder: they are simply not mounted, and any of them that lives
// under a mounted tree (/etc/switchboard) is masked. Own PID, IPC and UTS namespaces (no
// network namespace of its own unless `network: false`), a new session, killed with the
// appliance.

import { basename } from 'node:path';
import type { FunctionRuntime } from '../../../src/runtime/function-definition.js';

/** Where the function's folder (or the folder of its single file) appears inside the sandbox. */
export const sandboxFunctionDir = '/function';
export const sandboxTmpDir = '/tmp';
/** Each declared secret is the read-only file <sandboxSecretsDir>/<name>. */
export const sandboxSecretsDir = '/run/secrets';
/** The unprivileged user executables run as when the appliance runs as root. */
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

export interface SandboxSpec {
  readonly system: readonly SystemEntry[];
  /** The function's folder, or its single file. */
  readonly code: HostPath;
  /** The invocation's private temp dir on the host: /tmp inside. */
  readonly tmpDir: string;
  /** The invocation's copies of its secrets on the host: /run/secrets inside. */
  readonly secretsDir?: string;
  /** Paths the function must not see (real paths); masked where they fall under a mount. */
  readonly hidden: readonly HostPath[];
  readonly network: boolean;
  /** /etc/resolv.conf's real path when it points out of /etc (systemd-resolved): bound too. */
  readonly resolvConf?: string;
  /** bwrap runs as root: keep only the capabilities setpriv needs to become `nobody`. */
  readonly dropPrivileges: boolean;
}

/** Where the function's entry file is inside the sandbox. */
export function sandboxEntry(code: HostPath, entry: string): string {
  return code.kind === 'file' ? `${sandboxFunctionDir}/${basename(entry)}` : `${sandboxFunctionDir}${entry.slice(code.path.length)}`;
}

function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/**
 * Folders bwrap must create for these mount points, outermost first. Made explicitly world-
 * traversable: bwrap running as root would create them 0700, and nobody could not reach
 * its own files through them.
 */
function parentDirs(destinations: readonly string[], mounted: readonly string[]): string[] {
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

interface Mount {
  readonly host: string;
  readonly sandbox: string;
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

/** bwrap's options (everything before `--`) for one invocation. */
export function executableSandboxArgs(spec: SandboxSpec): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts'];
  // network: false — a namespace of its own with only a loopback nobody listens on.
  if (!spec.network) args.push('--unshare-net');
  args.push('--die-with-parent', '--new-session');
  // As root bwrap keeps no capability unless asked; setpriv needs these three to switch
  // to nobody and empty the bounding set. no_new_privs (bwrap sets it) keeps them from
  // ever coming back.
  if (spec.dropPrivileges) args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
  const mounts: Mount[] = [];
  for (const entry of spec.system) {
    if (entry.kind === 'symlink') {
      args.push('--symlink', entry.target, entry.path);
    } else {
      args.push('--ro-bind', entry.path, entry.path);
      mounts.push({ host: entry.path, sandbox: entry.path });
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  const binds: Array<[option: '--bind' | '--ro-bind', host: string, sandbox: string]> = [['--bind', spec.tmpDir, sandboxTmpDir]];
  if (spec.resolvConf) binds.push(['--ro-bind', spec.resolvConf, spec.resolvConf]);
  if (spec.secretsDir) binds.push(['--ro-bind', spec.secretsDir, sandboxSecretsDir]);
  if (spec.code.kind === 'dir') {
    binds.push(['--ro-bind', spec.code.path, sandboxFunctionDir]);
    mounts.push({ host: spec.code.path, sandbox: sandboxFunctionDir });
  } else {
    binds.push(['--ro-bind', spec.code.path, `${sandboxFunctionDir}/${basename(spec.code.path)}`]);
  }
  for (const dir of parentDirs(binds.map((b) => b[2]), mounts.map((m) => m.sandbox))) args.push('--perms', '0755', '--dir', dir);
  for (const bind of binds) args.push(...bind);
  for (const mask of masksFor(mounts, spec.hidden)) {
    // An empty tmpfs over a folder; the null device over a file (reading it fails: the
    // bind is nodev).
    args.push(...(mask.kind === 'dir' ? ['--tmpfs', mask.path] : ['--ro-bind', '/dev/null', mask.path]));
  }
  args.push('--chdir', sandboxFunctionDir);
  return args;
}

/** The env as bwrap options, for its `--args` file descriptor (never on a command line: secrets). */
export function environmentArgs(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]);
}

/**
 * bwrap's `--args` format: NUL-separated. A NUL inside an argument would split it into
 * two and could smuggle in an option, so it is refused (env values are cleaned before).
 */
export function encodeArgs(args: readonly string[]): string {
  for (const arg of args) {
    if (arg.includes('\0')) throw new Error('a sandbox argument contains a NUL character');
  }
  return args.map((a) => `${a}\0`).join('');
}

export interface EntryFile {
  /** Has an execute bit the running user may use. */
  readonly executable: boolean;
  /** Starts with `#!`. */
  readonly shebang: boolean;
}

/** How each runtime's entry is run when it cannot be run directly (no exec bit or no shebang). */
const interpreters: Readonly<Record<Exclude<FunctionRuntime, 'javascript' | 'typescript'>, string | undefined>> = {
  python: 'python3',
  shell: '/bin/sh',
  executable: undefined,
};

export type ExecutableRuntime = keyof typeof interpreters;

export function isExecutableRuntime(runtime: FunctionRuntime): runtime is ExecutableRuntime {
  return runtime in interpreters;
}

/** `.py` → python3 <entry>, `.sh` → /bin/sh <entry>, unless executable with a shebang; any other → run itself. */
export function commandFor(runtime: ExecutableRuntime, entry: string, file: EntryFile): string[] {
  const interpreter = interpreters[runtime];
  return interpreter === undefined || (file.executable && file.shebang) ? [entry] : [interpreter, entry];
}

export interface ProcessLimits {
  /** Address-space limit (RLIMIT_AS). */
  readonly memoryMb: number;
}

export interface LimitTools {
  readonly prlimit: string;
  /** Given: switch to `nobody` first (bwrap ran as root). */
  readonly setpriv?: string;
}

/**
 * The command line inside the sandbox: setpriv drops to nobody (no groups, no capabilities,
 * an empty bounding set), prlimit caps the address space and core dumps, then the function.
 */
export function limitedCommand(command: readonly string[], limits: ProcessLimits, tools: LimitTools): string[] {
  const drop = tools.setpriv
    ? [tools.setpriv, `--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--']
    : [];
  return [...drop, tools.prlimit, `--as=${limits.memoryMb * 1024 * 1024}`, '--core=0', '--', ...command];
}
