// The sandbox of one executable invocation (Python, shell, any binary) as bubblewrap
// arguments, and the command line run inside it. Pure: ../host.ts gathers the
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
import {
  becomeNobody, capabilitiesToDropPrivileges, maskArgs, masksFor, parentDirs, systemArgs, type HostPath, type SystemEntry,
} from '../system-view.js';

/** Where the function's folder (or the folder of its single file) appears inside the sandbox. */
export const sandboxFunctionDir = '/function';
export const sandboxTmpDir = '/tmp';
/** Each declared secret is the read-only file <sandboxSecretsDir>/<name>. */
export const sandboxSecretsDir = '/run/secrets';
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

/** bwrap's options (everything before `--`) for one invocation. */
export function executableSandboxArgs(spec: SandboxSpec): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts'];
  // network: false — a namespace of its own with only a loopback nobody listens on.
  if (!spec.network) args.push('--unshare-net');
  args.push('--die-with-parent', '--new-session');
  if (spec.dropPrivileges) args.push(...capabilitiesToDropPrivileges);
  const { args: system, mounts } = systemArgs(spec.system);
  args.push(...system);
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
  args.push(...maskArgs(masksFor(mounts, spec.hidden)));
  args.push('--chdir', sandboxFunctionDir);
  return args;
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
  const drop = tools.setpriv ? becomeNobody(tools.setpriv) : [];
  return [...drop, tools.prlimit, `--as=${limits.memoryMb * 1024 * 1024}`, '--core=0', '--', ...command];
}
