// The sandbox of one worker process, as Node flags and an environment. Pure: the caller
// gathers the paths (see worker.ts), this decides what they may do.
//
// Node 20's permission model (`--experimental-permission`) denies all file-system access,
// child processes and worker threads unless a flag grants them. We grant reading the
// worker bootstrap and the function's own files, reading and writing the worker's private
// temp dir, and nothing else: no --allow-child-process, no --allow-worker, no --allow-addons.
// Network is not covered by Node 20's model, so outbound calls work (functions need them).

import { posix } from 'node:path';

export interface SandboxPaths {
  /** The compiled worker-main.js: the only appliance file the child may read. */
  readonly workerMain: string;
  /** The function's folder, or its single file; each given as-is and as its real path. */
  readonly readablePaths: readonly string[];
  /** The worker's own temp dir (also TMPDIR). */
  readonly tempDir: string;
}

export interface SandboxLimits {
  /** V8 old-space limit; the worker dies with "heap out of memory" past it. */
  readonly memoryMb: number;
}

/**
 * Env names a manifest may not set: NODE_OPTIONS can carry `--allow-child-process` and the
 * like and would lift the sandbox; the NODE_CHANNEL_* / NODE_UNIQUE_ID names are Node's
 * own IPC plumbing for this very process.
 */
export const forbiddenEnvNames: ReadonlySet<string> = new Set([
  'NODE_OPTIONS',
  'NODE_CHANNEL_FD',
  'NODE_CHANNEL_SERIALIZATION_MODE',
  'NODE_UNIQUE_ID',
]);

export interface SandboxFeatures {
  /** Map stack traces through source maps: a TypeScript function's errors name its .ts lines. */
  readonly sourceMaps?: boolean;
}

export class SandboxError extends Error {}

function grant(flag: string, path: string): string {
  // Node 20 splits these flags' values on commas, so "a,/etc" would grant /etc too.
  if (path.includes(',')) {
    throw new SandboxError(`path ${JSON.stringify(path)} contains a comma, which Node's permission flags cannot express; rename it`);
  }
  return `${flag}=${path}`;
}

/**
 * The package.json files Node's ESM loader reads to learn a module's format: one in each
 * folder from the module's up to /. Node 20.19 (Debian 13's) throws ERR_ACCESS_DENIED when
 * one is not readable, instead of going on to the next (seen for the worker bootstrap's own
 * /opt/switchboard/dist/processors/local/package.json in the image); granting them gives no
 * access to anything but package metadata, and most of them do not exist.
 */
export function packageScopeFiles(paths: readonly string[]): string[] {
  const files = new Set<string>();
  for (const path of paths) {
    // From the folder holding the path: a function folder's own package.json is inside its grant.
    for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
      files.add(posix.join(dir, 'package.json'));
      if (dir === posix.dirname(dir)) break;
    }
  }
  return [...files];
}

export function buildExecArgv(paths: SandboxPaths, limits: SandboxLimits, features: SandboxFeatures = {}): string[] {
  const readable = new Set([paths.workerMain, ...paths.readablePaths, paths.tempDir]);
  for (const file of packageScopeFiles([paths.workerMain, ...paths.readablePaths])) readable.add(file);
  return [
    '--experimental-permission',
    ...[...readable].map((p) => grant('--allow-fs-read', p)),
    grant('--allow-fs-write', paths.tempDir),
    `--max-old-space-size=${limits.memoryMb}`,
    // .js in a folder without package.json may be ESM or CommonJS: let Node decide by syntax.
    '--experimental-detect-module',
    // The permission model announces itself on every start; that is noise in function logs.
    '--disable-warning=ExperimentalWarning',
    ...(features.sourceMaps ? ['--enable-source-maps'] : []),
  ];
}

/** Exactly the manifest's variables plus TMPDIR: nothing of the appliance's environment. */
export function buildWorkerEnv(manifestEnv: Readonly<Record<string, string>>, tempDir: string): Record<string, string> {
  for (const name of Object.keys(manifestEnv)) {
    if (forbiddenEnvNames.has(name)) {
      throw new SandboxError(`env ${name} may not be set by a function's manifest: it would lift the sandbox; remove it`);
    }
  }
  return { ...manifestEnv, TMPDIR: tempDir };
}
