// A JavaScript worker's private area on the host, removed when the worker exits:
//
//   <area>/tmp     its TMPDIR: the one place it may write (owned by nobody when it runs as nobody)
//   <area>/files   what it may read and never write: copies of its secrets (files/secrets/<name>)
//                  and, in a pre-started worker, of the function itself (files/function/)
//
// Nothing the function can write is code or a secret: a function that rewrote its own copy
// or its secret would change what the next invocation runs or reads. In bubblewrap `files`
// is bound read-only and `tmp` read-write; without it, the permission model grants writing
// `tmp` only. The area itself is made with mkdtemp (0700, unpredictable name).

import { chmod, chown, mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';

export interface WorkerArea {
  /** Real path of the area: removed whole when the worker exits. */
  readonly root: string;
  /** Its TMPDIR, writable. */
  readonly tempDir: string;
  /** Read-only for the worker. */
  readonly filesDir: string;
}

/** Who the worker runs as when that is not the appliance's own user (root → nobody). */
export type RunAs = { readonly uid: number; readonly gid: number } | undefined;

export async function createWorkerArea(tmpRoot: string, name: string, runAs: RunAs): Promise<WorkerArea> {
  const root = await realpath(await mkdtemp(join(tmpRoot, `switchboard-${name.replace(/[^\w.-]/g, '_')}-`)));
  const tempDir = join(root, 'tmp');
  const filesDir = join(root, 'files');
  await mkdir(tempDir, { mode: 0o700 });
  await mkdir(filesDir);
  // Readable and traversable by the worker whoever it runs as; it owns nothing in here.
  await chmod(filesDir, 0o755);
  if (runAs) await chown(tempDir, runAs.uid, runAs.gid);
  return { root, tempDir, filesDir };
}

/**
 * Copies each secret into files/secrets, readable by the worker's user only. Returns the
 * env: <NAME> holds the value (one trailing newline dropped, as files written by editors
 * have it), <NAME>_FILE the copy's path. Read at each worker start, so a rotated secret
 * reaches new workers.
 */
export async function copySecrets(secrets: FunctionDefinition['manifest']['secrets'], area: WorkerArea, runAs: RunAs): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (secrets.length === 0) return env;
  const dir = join(area.filesDir, 'secrets');
  await mkdir(dir, { mode: 0o700 });
  for (const secret of secrets) {
    const content = await readFile(secret.file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`secret "${secret.name}" cannot be read from ${secret.file} (${err.code ?? 'error'})`);
    });
    const copy = join(dir, secret.name);
    await writeFile(copy, content, { mode: 0o400 });
    await chmod(copy, 0o400); // a umask cannot widen it, but be explicit
    if (runAs) await chown(copy, runAs.uid, runAs.gid);
    env[secret.envName] = content.toString('utf8').replace(/\r?\n$/u, '');
    env[`${secret.envName}_FILE`] = copy;
  }
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  return env;
}
