// bubblewrap on this machine: whether it works, and how arguments reach it. Every function
// process — a JavaScript worker (worker-sandbox.ts) as an executable (executable/sandbox.ts)
// — runs in a sandbox built from nothing: the system read-only, its own files and nothing
// else of the host, in its own PID, IPC and UTS namespaces, without network when its
// manifest says `network: false`, in a new session, killed with the appliance, and as
// nobody when the appliance is root (system-view.ts). bwrap itself runs as the appliance's
// user outside the sandbox, so it gets no environment a manifest could set (LD_PRELOAD…):
// the function's env goes in through `--args`.

import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import { findOnPath } from '../../src/bus/find-on-path.js';

/**
 * bwrap sets PWD after applying its own env options, so the worker bootstrap removes it
 * (and this marker) before any function code runs: a function's environment is its
 * manifest's and nothing else.
 */
export const unsetPwdMarker = 'SWITCHBOARD_UNSET_PWD';

/** The namespaces every function's sandbox has: can bwrap make them here? */
const probeArgs = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session', '--'];

/**
 * The bwrap binary if it can create the sandbox on this machine (a container may forbid
 * the namespaces), else undefined after one warning: JavaScript workers then run with the
 * Node permission model only (executables: see functions.sandbox).
 */
export async function detectBubblewrap(logger: Logger): Promise<string | undefined> {
  const bwrap = await findOnPath('bwrap');
  if (!bwrap) {
    logger.warn('bubblewrap (bwrap) is not installed: function workers run without a PID namespace. Install it: sudo apt-get install -y bubblewrap');
    return undefined;
  }
  // bwrap's own words say which namespace or mount the system refused (a container, a
  // systemd unit's hardening, a sysctl): the operator needs them to fix it.
  const refusal = await new Promise<string | undefined>((resolve) => {
    execFile(bwrap, [...probeArgs, '/bin/true'], { timeout: 10_000 }, (error, _stdout, stderr) =>
      resolve(error ? String(stderr).trim() || error.message : undefined),
    );
  });
  if (refusal !== undefined) {
    logger.warn({ bwrap, bwrapSaid: refusal }, `bubblewrap cannot create namespaces here (${refusal}): function workers run without a PID namespace`);
    return undefined;
  }
  return bwrap;
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
