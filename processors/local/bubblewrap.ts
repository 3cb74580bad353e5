// The bubblewrap layer of a JavaScript worker. Where bubblewrap is available, each worker
// runs in its own PID namespace (it cannot signal the appliance, nats-server or other
// functions: `process.kill(process.ppid)` or `kill(-1)` reach only its own sandbox), on a
// read-only view of the system with only its temp dir writable, with no capabilities, in a
// new session, without network when its manifest says `network: false`, and it dies with
// the appliance even when stuck in a loop. What it may read is the Node permission model's
// decision (permissions.ts): the whole system is mounted so that node and the worker
// bootstrap need no list of their own. Executables, which have no permission model, get a
// sandbox built from nothing instead (executable/sandbox.ts).

import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import { findOnPath } from '../../src/bus/find-on-path.js';

/**
 * bwrap sets PWD after applying its own env options, so the worker bootstrap removes it
 * (and this marker) before any function code runs: a function's environment is its
 * manifest's and nothing else.
 */
export const unsetPwdMarker = 'SWITCHBOARD_UNSET_PWD';

/** Arguments that run `command` inside the sandbox, the temp dir writable. */
export function bubblewrapArgs(tempDir: string, options: { network?: boolean } = {}): string[] {
  return [
    // network: false — a namespace of its own with only a loopback nobody listens on.
    ...(options.network === false ? ['--unshare-net'] : []),
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--bind', tempDir, tempDir,
    '--unshare-pid', '--unshare-ipc', '--unshare-uts',
    '--die-with-parent',
    '--new-session',
    '--',
  ];
}

/**
 * The bwrap binary if it can create the sandbox on this machine (a container may forbid
 * the namespaces), else undefined after one warning: workers then run with the Node
 * permission model only.
 */
export async function detectBubblewrap(logger: Logger): Promise<string | undefined> {
  const bwrap = await findOnPath('bwrap');
  if (!bwrap) {
    logger.warn('bubblewrap (bwrap) is not installed: function workers run without a PID namespace. Install it: sudo apt-get install -y bubblewrap');
    return undefined;
  }
  const works = await new Promise<boolean>((resolve) => {
    execFile(bwrap, [...bubblewrapArgs('/tmp'), '/bin/true'], { timeout: 10_000 }, (error) => resolve(!error));
  });
  if (!works) {
    logger.warn({ bwrap }, 'bubblewrap cannot create namespaces here: function workers run without a PID namespace');
    return undefined;
  }
  return bwrap;
}
