// Compiled TypeScript functions, one file per content: `<dir>/<name>-<key>.mjs`. The key
// hashes every file the function may read (its folder, or its one file: the bundle cannot
// hold anything else, see typescript.ts), its entry and the transpiler's fingerprint, so a
// function unchanged since it was last compiled loads without running esbuild, and an edited
// one never loads a stale module.
//
// `dir` must belong to the appliance alone (mode 0700): whoever can write there chooses the
// code workers run. The processor makes it with mkdtemp (see processors/local/function-modules.ts).

import { createHash, randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionDefinition } from './function-definition.js';
import { functionVersion } from './function-version.js';
import { transpileFunction, transpilerFingerprint } from './typescript.js';

export interface CompiledModule {
  /** The ES module to load (inline source map pointing at the .ts sources). */
  readonly file: string;
  /** True when an earlier compile of the same content was reused. */
  readonly fromCache: boolean;
}

/** Files edited while being compiled: try again this often before giving up. */
const MAX_ATTEMPTS = 3;

export class TypeScriptCache {
  readonly dir: string;
  /** Compiles under way by output file: two workers starting at once compile once. */
  readonly #building = new Map<string, Promise<CompiledModule | undefined>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async compile(fn: FunctionDefinition): Promise<CompiledModule> {
    for (let attempt = 1; ; attempt += 1) {
      const key = await this.#key(fn);
      const file = join(this.dir, `${fn.name}-${key}.mjs`);
      if ((await stat(file).catch(() => undefined))?.isFile()) return { file, fromCache: true };
      let building = this.#building.get(file);
      if (!building) {
        building = this.#build(fn, file, key).finally(() => this.#building.delete(file));
        this.#building.set(file, building);
      }
      const built = await building;
      if (built) return built;
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`the files of function ${fn.name} kept changing while it was being compiled; the next invocation tries again`);
      }
    }
  }

  /** Content hash over the function's files (not its manifest), entry and transpiler. */
  async #key(fn: FunctionDefinition): Promise<string> {
    const folder = fn.readablePaths[0] !== fn.entry ? fn.readablePaths[0] : undefined;
    const content = await functionVersion(fn.entry, folder, undefined);
    return createHash('sha256')
      .update(JSON.stringify([await transpilerFingerprint(), fn.entry, fn.readablePaths, content]))
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * Compiles into `file`, or returns undefined when the files changed meanwhile (the output
   * might mix old and new, so it is not stored under either key).
   */
  async #build(fn: FunctionDefinition, file: string, key: string): Promise<CompiledModule | undefined> {
    const code = await transpileFunction(fn, file);
    if ((await this.#key(fn)) !== key) return undefined;
    // Written whole, then renamed: a worker never loads half a module.
    const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
    try {
      // Readable by others: a worker running as nobody loads it. The folder (0700, see above) keeps
      // every other user out; inside a sandbox only this one file is bound.
      await writeFile(partial, code, { mode: 0o644, flag: 'wx' });
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { file, fromCache: false };
  }
}
