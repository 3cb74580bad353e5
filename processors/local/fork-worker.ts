// Forks one Node worker process into its sandbox: the permission model's grants, and
// bubblewrap around it where available. Shared by a function's own workers (worker.ts) and
// the pre-started generic ones (spare-workers.ts), so both are the same sandbox.

import { fork, type ChildProcess } from 'node:child_process';
import { bubblewrapArgs, unsetPwdMarker } from './bubblewrap.js';
import { buildExecArgv, buildWorkerEnv } from './permissions.js';

export interface WorkerProcessSpec {
  readonly workerMain: string;
  /** bwrap's path, or undefined to fork without it. */
  readonly bwrap: string | undefined;
  /** Real path of the worker's private temp dir (readable, writable, TMPDIR). */
  readonly tempDir: string;
  /** What else it may read (each as given and as real path). */
  readonly readablePaths: readonly string[];
  readonly memoryMb: number;
  readonly network: boolean;
  readonly sourceMaps: boolean;
  /** The function's environment (manifest env and secrets); TMPDIR is added. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export function forkWorkerProcess(spec: WorkerProcessSpec): ChildProcess {
  const nodeArgs = buildExecArgv(
    { workerMain: spec.workerMain, readablePaths: spec.readablePaths, tempDir: spec.tempDir },
    { memoryMb: spec.memoryMb },
    { sourceMaps: spec.sourceMaps },
  );
  return fork(spec.workerMain, [], {
    // fork runs `execPath ...execArgv workerMain`; through bwrap that is
    // `bwrap <sandbox> -- node <node flags> workerMain`, the IPC channel inherited.
    ...(spec.bwrap
      ? { execPath: spec.bwrap, execArgv: [...bubblewrapArgs(spec.tempDir, { network: spec.network }), process.execPath, ...nodeArgs] }
      : { execArgv: nodeArgs }),
    env: { ...buildWorkerEnv(spec.env, spec.tempDir), ...(spec.bwrap && !('PWD' in spec.env) ? { [unsetPwdMarker]: '1' } : {}) },
    cwd: spec.cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: Ctrl-C on the appliance's terminal must not reach bwrap or
    // the worker under a running invocation; the appliance ends workers itself.
    detached: true,
    serialization: 'advanced',
  });
}
