// Writes schema/switchboard.schema.json and schema/function.schema.json from the code that validates configs, so editors
// (yaml-language-server) and the appliance never disagree. A unit test fails when the
// committed file is stale: run `npm run build && npm run schema` after changing the schema.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigSchema } from '../src/config/schema.js';
import { renderManifestSchema } from '../src/runtime/function-manifest.js';

/** The package root: the nearest folder above this script (source or dist) with package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('write-schema: no package.json above this script');
    dir = parent;
  }
  return dir;
}

const outputs = { 'switchboard.schema.json': renderConfigSchema(), 'function.schema.json': renderManifestSchema() };
for (const [name, text] of Object.entries(outputs)) {
  const target = join(packageRoot(), 'schema', name);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
