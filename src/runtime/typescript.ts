// TypeScript functions are transpiled by the appliance, never inside the sandboxed worker: the
// worker may read only its bootstrap, the function and the compiled module, and a compiler
// there would be one more thing a function could tamper with.
//
// The transpiler is esbuild: it strips types without checking them (the issue's "type errors
// do not block"), reports a syntax error with file, line and column, bundles a folder
// function's own modules into one ES module and writes a source map, in milliseconds, from one
// pinned native binary with no dependencies of its own. `typescript` itself would add a 20 MB
// runtime dependency and a type checker we must not run. esbuild never type-checks.
//
// The bundle holds the function's own files only. Its packages (node_modules inside its
// folder) stay external, imported by absolute URL: Node loads them as it would for a
// JavaScript function — their own __dirname, CommonJS interop, data files — and the
// permission model lets the worker read them since they are in its folder. Nothing outside
// what the function may read at run time is bundled: the compiler runs with the appliance's
// rights, so `import '/etc/switchboard/secrets/x.json'` or `../other-function/lib` would
// otherwise smuggle files past the sandbox.

import { realpath, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildFailure, BuildOptions, Message, Plugin } from 'esbuild';
import { FunctionLoadError, type ConfigProblem } from '../errors.js';
import type { FunctionDefinition } from './function-definition.js';

/** Bumped when the options below change meaning: part of every cache key. */
const OPTIONS_REVISION = 1;

const javascriptSource = /\.[cm]?js$/u;

/** A TypeScript function that cannot be compiled (syntax error, unresolvable import). */
export class TypeScriptCompileError extends FunctionLoadError {
  readonly problem: ConfigProblem;
  constructor(problem: ConfigProblem, options?: { cause?: unknown }) {
    super(`${problem.file}:${problem.line}:${problem.column}: ${problem.message} (its TypeScript cannot be compiled; fix the file: the next invocation compiles it again)`, options);
    this.problem = problem;
  }
}

type Esbuild = typeof import('esbuild');
let loaded: Promise<Esbuild> | undefined;
/** Loaded on first use: an appliance without TypeScript functions never pays for it. */
const esbuild = (): Promise<Esbuild> => (loaded ??= import('esbuild'));

/** What a compiled module depends on besides its inputs: the transpiler, its options, Node. */
export async function transpilerFingerprint(): Promise<string> {
  return `esbuild ${(await esbuild()).version} options ${OPTIONS_REVISION} node ${process.versions.node}`;
}

/** The folder a function's imports resolve from: its own, or the one holding its file. */
export function functionRoot(fn: FunctionDefinition): string {
  const folder = fn.readablePaths[0];
  return folder !== undefined && folder !== fn.entry ? folder : dirname(fn.entry);
}

const inside = (path: string, roots: readonly string[]) => roots.some((root) => path === root || path.startsWith(`${root}${sep}`));

/**
 * Keeps the bundle to what the function may read, and its packages external (see above).
 * `node:` builtins stay as they are.
 */
function confinement(fn: FunctionDefinition, roots: readonly string[]): Plugin {
  const own = fn.readablePaths.join(', ');
  return {
    name: 'switchboard-confinement',
    setup(build) {
      // esbuild filters are Go regular expressions: no flags.
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === 'confinement' || isBuiltin(args.path)) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'confinement' });
        if (found.errors.length > 0 || found.external || found.namespace !== 'file') return found;
        if (!inside(found.path, roots)) {
          return { errors: [{ text: `"${args.path}" resolves to ${found.path}, outside what function ${fn.name} may read (${own}): move it into the function's folder` }] };
        }
        // Only a package's JavaScript stays external: JSON would need an import attribute
        // there, and TypeScript must be compiled.
        const isPackage = found.path.split(sep).includes('node_modules');
        if (!isPackage || !javascriptSource.test(found.path)) return found;
        // An import takes a URL (a path may hold '#' or '%'); require() takes a path.
        const viaRequire = args.kind === 'require-call' || args.kind === 'require-resolve';
        return { path: viaRequire ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}

/**
 * esbuild options for one function, `outfile` being where the module will be written (the
 * source map's paths are relative to it).
 */
async function buildOptions(fn: FunctionDefinition, outfile: string): Promise<BuildOptions> {
  const root = functionRoot(fn);
  const roots = [...new Set([...fn.readablePaths, ...(await Promise.all(fn.readablePaths.map((p) => realpath(p).catch(() => p))))])];
  const tsconfig = resolve(root, 'tsconfig.json');
  const ownTsconfig = fn.readablePaths[0] !== fn.entry && (await stat(tsconfig).catch(() => undefined))?.isFile();
  const entryUrl = pathToFileURL(fn.entry).href;
  return {
    entryPoints: [fn.entry],
    outfile,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node}`,
    write: false,
    logLevel: 'silent',
    // Inline, so the worker needs no grant beyond the module itself; with --enable-source-maps
    // a stack trace names the .ts file and line. The sources are read from the function's folder.
    sourcemap: 'inline',
    sourcesContent: false,
    // A folder's own tsconfig.json is honoured; none above it is (a parent's `paths` could
    // pull in files from anywhere, and its settings are not the function's).
    ...(ownTsconfig ? { tsconfig } : { tsconfigRaw: {} }),
    // The module runs from the cache, but reads relative to its source: import.meta.url,
    // __dirname and a `require` of CommonJS code all answer as for the entry file.
    define: {
      'import.meta.url': JSON.stringify(entryUrl),
      'import.meta.filename': JSON.stringify(fn.entry),
      'import.meta.dirname': JSON.stringify(dirname(fn.entry)),
      __filename: JSON.stringify(fn.entry),
      __dirname: JSON.stringify(dirname(fn.entry)),
    },
    // CommonJS in an ES module: esbuild turns `require(x)` into a helper that throws unless a
    // `require` exists; esbuild renames any `require` the function declares itself.
    banner: { js: `import { createRequire as __switchboardCreateRequire } from 'node:module'; const require = __switchboardCreateRequire(${JSON.stringify(entryUrl)});` },
    plugins: [confinement(fn, roots)],
  };
}

/** esbuild's first error as a problem: file (absolute), line and column (1-based), message. */
function problemOf(fn: FunctionDefinition, message: Message | undefined): ConfigProblem {
  const at = message?.location;
  const file = at?.file ? resolve(functionRoot(fn), at.file) : fn.entry;
  return { file, line: at?.line ?? 1, column: (at?.column ?? 0) + 1, path: '', message: message?.text ?? 'cannot be compiled' };
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/**
 * The function as one ES module (source text, inline source map). Throws
 * TypeScriptCompileError naming the file, line and column of the first error.
 */
export async function transpileFunction(fn: FunctionDefinition, outfile: string): Promise<string> {
  const { build } = await esbuild();
  const options = await buildOptions(fn, outfile);
  try {
    const result = await build(options);
    return result.outputFiles![0]!.text;
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    throw new TypeScriptCompileError(problemOf(fn, error.errors[0]), { cause: error });
  }
}

/** For `switchboard validate` and start: the function's compile error, or undefined. */
export async function typescriptProblem(fn: FunctionDefinition): Promise<ConfigProblem | undefined> {
  try {
    await transpileFunction(fn, resolve(functionRoot(fn), `${fn.name}.mjs`));
    return undefined;
  } catch (error) {
    if (error instanceof TypeScriptCompileError) return error.problem;
    throw error;
  }
}
