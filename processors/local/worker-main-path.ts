// Where the compiled worker bootstrap is. Workers always run the compiled JavaScript: Node
// 20 cannot run TypeScript, and the sandbox lets a worker read exactly this one file.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

export function workerMainPath(): string {
  // Running from dist/: the sibling file. Running from TypeScript source (vitest): this file
  // is processors/local/*.ts, and the build put the bootstrap under dist/ of the project root.
  if (here.endsWith('.js')) return join(dirname(here), 'worker-main.js');
  return join(resolve(dirname(here), '..', '..'), 'dist', 'processors', 'local', 'worker-main.js');
}

/** Throws at start-up, not on the first event, when the build is missing. */
export function requireWorkerMain(): string {
  const path = workerMainPath();
  if (!existsSync(path)) {
    throw new Error(`the function worker bootstrap ${path} does not exist; run \`npm run build\` first`);
  }
  return path;
}
