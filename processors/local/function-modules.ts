// What a worker loads for a function: a JavaScript function's own entry; for TypeScript the
// module compiled from it in the appliance (src/runtime/typescript.ts), which the worker is
// then also allowed to read.
//
// The compiled modules live in one directory per processor, made with mkdtemp under the
// workers' tmpRoot: mode 0700 and an unpredictable name, so no other user can plant a module
// there even in a world-writable /tmp; removed when the processor closes. It is not kept
// across restarts (no state to trust or migrate after an upgrade; esbuild takes milliseconds
// per function): the cache spares the compile on every worker start, idle scale-up, recycle
// and reload of an unchanged function.

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import { TypeScriptCache } from '../../src/runtime/typescript-cache.js';

export interface LoadableModule {
  /** The file the worker imports. */
  readonly file: string;
  /** Files the worker may read besides the function's own (the compiled module). */
  readonly readablePaths: readonly string[];
  /** Honour source maps, so stack traces name the .ts file and line. */
  readonly sourceMaps: boolean;
}

export interface FunctionModules {
  /** Compiles a TypeScript function (or reuses its compiled module); throws TypeScriptCompileError. */
  loadable(definition: FunctionDefinition): Promise<LoadableModule>;
  /** Removes the compiled modules. */
  dispose(): Promise<void>;
}

export function createFunctionModules(tmpRoot: string): FunctionModules {
  let cache: Promise<TypeScriptCache> | undefined;
  return {
    async loadable(definition) {
      if (definition.runtime !== 'typescript') return { file: definition.entry, readablePaths: [], sourceMaps: false };
      cache ??= mkdtemp(join(tmpRoot, 'switchboard-typescript-')).then(
        (dir) => new TypeScriptCache(dir),
        (error: unknown) => { cache = undefined; throw error; }, // the next worker tries again
      );
      const { file } = await (await cache).compile(definition);
      return { file, readablePaths: [file], sourceMaps: true };
    },
    async dispose() {
      const made = await cache?.catch(() => undefined);
      if (made) await rm(made.dir, { recursive: true, force: true });
    },
  };
}
