// Forks one Node worker process into its sandbox: the permission model's grants, and
// bubblewrap around it where available (worker-sandbox.ts). Shared by a function's own
// workers (worker.ts) and the pre-started generic ones (spare-workers.ts), so both are the
// same sandbox.

import { fork, type ChildProcess } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import { encodeArgs, environmentArgs, unsetPwdMarker } from './bubblewrap.js';
import type { HostFacts } from './host.js';
import { buildExecArgv, buildWorkerEnv } from './permissions.js';
import { nobody, type HostPath } from './system-view.js';
import { inSystemTree, workerCommand, workerSandboxArgs, type WorkerBind } from './worker-sandbox.js';

/** What a bubblewrapped worker is built from: read once per processor. */
export interface WorkerJail {
  readonly bwrap: string;
  readonly host: HostFacts;
  /** The protected paths, resolved (host.ts resolveHidden). */
  readonly hidden: readonly HostPath[];
  /** Set when the appliance is root: the worker runs as this user (nobody), via setpriv. */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /** node's real path: bound (when outside the system trees) and run inside. */
  readonly node: string;
}

export interface WorkerProcessSpec {
  readonly workerMain: string;
  /** The sandbox to fork into, or undefined to fork without bubblewrap (permission model only). */
  readonly jail: WorkerJail | undefined;
  /** Real path of the worker's private temp dir (readable, writable, TMPDIR). */
  readonly tempDir: string;
  /** What else it may read (each as given and as real path): granted, and bound read-only. */
  readonly readablePaths: readonly string[];
  readonly memoryMb: number;
  readonly network: boolean;
  readonly sourceMaps: boolean;
  /** The function's environment (manifest env and secrets); TMPDIR is added. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/**
 * The sandbox workers are forked into, or undefined without bubblewrap. As root, bwrap
 * binds as root and setpriv inside makes the worker nobody.
 */
export async function workerJail(bwrap: string | undefined, host: () => Promise<HostFacts>, hidden: () => Promise<readonly HostPath[]>): Promise<WorkerJail | undefined> {
  if (!bwrap) return undefined;
  return {
    bwrap, host: await host(), hidden: await hidden(), node: await realpath(process.execPath),
    ...(process.getuid?.() === 0 ? { runAs: nobody } : {}),
  };
}

/**
 * Each path bound at its real path, and also at the spelling given when that differs (the
 * grants and the entry use it) — unless a system tree holds that spelling, whose host
 * symlink then leads to the real path.
 */
export async function bindsFor(paths: readonly string[], jail: WorkerJail): Promise<WorkerBind[]> {
  const binds = new Map<string, WorkerBind>();
  for (const path of paths) {
    const real = await realpath(path);
    const kind = (await stat(real)).isDirectory() ? 'dir' : 'file';
    binds.set(real, { path: real, sandbox: real, kind });
    if (path !== real && !inSystemTree(jail.host.system, path)) binds.set(path, { path: real, sandbox: path, kind });
  }
  if (!inSystemTree(jail.host.system, jail.node)) binds.set(jail.node, { path: jail.node, sandbox: jail.node, kind: 'file' });
  return [...binds.values()];
}

/** `binds`: what the sandbox shows read-only (bindsFor), besides the temp dir; ignored without a jail. */
export function forkWorkerProcess(spec: WorkerProcessSpec, binds: readonly WorkerBind[] = []): ChildProcess {
  const nodeArgs = buildExecArgv(
    { workerMain: spec.workerMain, readablePaths: spec.readablePaths, tempDir: spec.tempDir },
    { memoryMb: spec.memoryMb },
    { sourceMaps: spec.sourceMaps },
  );
  const env = buildWorkerEnv(spec.env, spec.tempDir);
  const common = {
    cwd: spec.cwd,
    // Its own process group: Ctrl-C on the appliance's terminal must not reach bwrap or
    // the worker under a running invocation; the appliance ends workers itself.
    detached: true,
    serialization: 'advanced' as const,
  };
  const { jail } = spec;
  if (!jail) return fork(spec.workerMain, [], { ...common, execArgv: nodeArgs, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const sandbox = workerSandboxArgs({
    system: jail.host.system, hidden: jail.hidden, network: spec.network, dropPrivileges: jail.runAs !== undefined,
    readOnly: binds, writable: spec.tempDir, cwd: spec.cwd, ...(jail.host.resolvConf ? { resolvConf: jail.host.resolvConf } : {}),
  });
  if (jail.runAs && !jail.host.setpriv) throw new Error('setpriv (util-linux), which makes it run as nobody, is not installed: apt-get install -y util-linux');
  const command = workerCommand(jail.node, nodeArgs, spec.workerMain, jail.runAs ? jail.host.setpriv : undefined);
  // fork runs `execPath ...execArgv workerMain`: here `bwrap --args 4 <sandbox> -- [setpriv…]
  // node <node flags>` and then workerMain, the IPC channel (fd 3) inherited through both.
  const child = fork(spec.workerMain, [], {
    ...common,
    execPath: jail.bwrap,
    execArgv: ['--args', '4', ...sandbox, '--', ...command.slice(0, -1)],
    // Only fork's NODE_CHANNEL_* reach bwrap (outside the sandbox, as the appliance's user);
    // the function's own env is set inside, through fd 4.
    env: {},
    stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
  });
  const fd4 = child.stdio[4];
  if (fd4 && 'end' in fd4) {
    fd4.on('error', () => {}); // bwrap failed before reading: its stderr says why
    fd4.end(encodeArgs(environmentArgs({ ...env, ...('PWD' in spec.env ? {} : { [unsetPwdMarker]: '1' }) })));
  }
  return child;
}
