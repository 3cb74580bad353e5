// The bubblewrap sandbox of one JavaScript worker, built from nothing as an executable's is
// (executable/sandbox.ts): the system read-only as system-view.ts has it, a fresh /proc and
// /dev, and on top only what this worker needs, each at its own path — node, the worker
// bootstrap, the function's folder (or single file) and compiled module, its secrets'
// copies, all read-only, and its temp dir read-write. Nothing else of the host: no /run (the
// root-only sockets of systemd, D-Bus, Docker: the permission model does not cover sockets),
// /var, /home, /root or /tmp; not the appliance's config, the other functions or the secrets
// folder. Own PID, IPC and UTS namespaces, no network unless the manifest allows it, a new
// session, killed with the appliance; as root, it becomes nobody before node starts. Pure:
// fork-worker.ts gathers the paths and forks.
//
// Paths stay the host's (unlike an executable's /function): the permission model's grants,
// import.meta.url and a TypeScript function's compiled module all name them.

import {
  becomeNobody, capabilitiesToDropPrivileges, isUnder, maskArgs, masksFor, parentDirs, systemArgs,
  type HostPath, type Mount, type SystemEntry,
} from './system-view.js';

/** One host path bound into the sandbox; `sandbox` differs from `host` for a symlinked spelling. */
export interface WorkerBind extends HostPath {
  readonly sandbox: string;
}

export interface WorkerSandboxSpec {
  readonly system: readonly SystemEntry[];
  /** Paths the function must not see (real paths); masked where they fall under a mount. */
  readonly hidden: readonly HostPath[];
  readonly network: boolean;
  /** /etc/resolv.conf's real path when it points out of /etc (systemd-resolved): bound too. */
  readonly resolvConf?: string;
  /** bwrap runs as root: keep only the capabilities setpriv needs to become nobody. */
  readonly dropPrivileges: boolean;
  /** Bound read-only: node, the bootstrap, the function, its compiled module, its secrets. */
  readonly readOnly: readonly WorkerBind[];
  /** Bound read-write: the worker's temp dir. */
  readonly writable: string;
  /** The working directory inside (the function's folder). */
  readonly cwd: string;
}

/** Whether bwrap has to bind `path` at all: what a system tree holds is there already. */
export function inSystemTree(system: readonly SystemEntry[], path: string): boolean {
  return system.some((entry) => entry.kind === 'dir' && (path === entry.path || isUnder(path, entry.path)));
}

/** bwrap's options (everything before `--`) for one worker. */
export function workerSandboxArgs(spec: WorkerSandboxSpec): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts'];
  // network: false — a namespace of its own with only a loopback nobody listens on.
  if (!spec.network) args.push('--unshare-net');
  args.push('--die-with-parent', '--new-session');
  if (spec.dropPrivileges) args.push(...capabilitiesToDropPrivileges);
  const system = systemArgs(spec.system);
  args.push(...system.args, '--proc', '/proc', '--dev', '/dev');
  // The system's masks first: a function kept under a masked tree (/etc/switchboard/functions)
  // is bound on top of the mask, not hidden by it.
  const systemMasks = masksFor(system.mounts, spec.hidden);
  args.push(...maskArgs(systemMasks));
  const binds: Array<readonly [option: '--bind' | '--ro-bind', bind: WorkerBind]> = [
    ...(spec.resolvConf ? [['--ro-bind', { path: spec.resolvConf, sandbox: spec.resolvConf, kind: 'file' }] as const] : []),
    ...spec.readOnly.map((bind) => ['--ro-bind', bind] as const),
    ['--bind', { path: spec.writable, sandbox: spec.writable, kind: 'dir' }],
  ];
  // Outer trees before what lies inside them, or a later bind would cover an earlier one.
  binds.sort((a, b) => a[1].sandbox.split('/').length - b[1].sandbox.split('/').length);
  const maskedDirs = systemMasks.filter((m) => m.kind === 'dir').map((m) => m.path);
  const toCreate = parentDirs(binds.map(([, b]) => b.sandbox), [])
    .filter((dir) => !inSystemTree(spec.system, dir) || maskedDirs.some((m) => isUnder(dir, m)));
  for (const dir of toCreate) args.push('--perms', '0755', '--dir', dir);
  for (const [option, bind] of binds) args.push(option, bind.path, bind.sandbox);
  // What is hidden inside the function's own tree (a secrets folder kept in it, say).
  const own: Mount[] = spec.readOnly.filter((b) => b.kind === 'dir').map((b) => ({ host: b.path, sandbox: b.sandbox }));
  args.push(...maskArgs(masksFor(own, spec.hidden)));
  args.push('--chdir', spec.cwd);
  return args;
}

/** The command bwrap runs: as root, setpriv first, which becomes nobody; then node. */
export function workerCommand(node: string, nodeArgs: readonly string[], workerMain: string, setpriv: string | undefined): string[] {
  return [...(setpriv ? becomeNobody(setpriv) : []), node, ...nodeArgs, workerMain];
}
