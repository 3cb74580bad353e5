// TypeScript functions compiled by the appliance (esbuild) and cached by content: what a
// worker would load, run here in a plain child Node process.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import { TypeScriptCache } from '../../src/runtime/typescript-cache.js';
import { TypeScriptCompileError, typescriptProblem } from '../../src/runtime/typescript.js';

let root: string;
let cacheDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-ts-unit-'));
  cacheDir = join(root, 'cache');
  await mkdir(cacheDir, { mode: 0o700 });
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

function singleFile(file: string): FunctionDefinition {
  const entry = join(root, file);
  return { name: 'single', runtime: 'typescript', entry, version: 'v1', readablePaths: [entry], manifest: {} as FunctionDefinition['manifest'] };
}

function folder(name: string, entryFile = 'index.ts'): FunctionDefinition {
  const dir = join(root, name);
  return { name, runtime: 'typescript', entry: join(dir, entryFile), version: 'v1', readablePaths: [dir], manifest: {} as FunctionDefinition['manifest'] };
}

/** Imports the compiled module in a fresh Node (source maps on, as in a worker) and calls it. */
function run(file: string, event: unknown = {}): Promise<{ value?: unknown; stack?: string }> {
  const script = `
    const m = await import(${JSON.stringify(pathToFileURL(file).href)});
    await m.init?.();
    try { console.log(JSON.stringify({ value: await m.default(${JSON.stringify(event)}) })); }
    catch (e) { console.log(JSON.stringify({ stack: e.stack })); }`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: root }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { value?: unknown; stack?: string });
    });
  });
}

async function compileError(fn: FunctionDefinition): Promise<TypeScriptCompileError> {
  const error = await new TypeScriptCache(cacheDir).compile(fn).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TypeScriptCompileError);
  return error as TypeScriptCompileError;
}

describe('TypeScript functions', () => {
  it('compiles a typed single file into an ES module that runs, in a file of the cache dir that a worker running as nobody can read', async () => {
    await write({ 'greet.ts': `
interface Event { data: { name: string } }
export default async function (event: Event): Promise<string> {
  const who: string = event.data.name;
  return \`hello \${who}\`;
}
` });
    const compiled = await new TypeScriptCache(cacheDir).compile(singleFile('greet.ts'));
    expect(compiled.fromCache).toBe(false);
    expect(dirname(compiled.file)).toBe(cacheDir);
    expect(compiled.file).toMatch(/single-[0-9a-f]{32}\.mjs$/u);
    expect((await stat(compiled.file)).mode & 0o777).toBe(0o644); // the cache dir (0700) keeps other users out
    expect(await run(compiled.file, { data: { name: 'web-01' } })).toEqual({ value: 'hello web-01' });
  });

  it('reuses the compiled module for unchanged content without compiling again, even from a new cache on the same dir', async () => {
    await write({ 'greet.ts': 'export default (): number => 1;\n' });
    const first = await new TypeScriptCache(cacheDir).compile(singleFile('greet.ts'));
    const { mtimeMs } = await stat(first.file);
    const again = await new TypeScriptCache(cacheDir).compile(singleFile('greet.ts'));
    expect(again).toEqual({ file: first.file, fromCache: true });
    expect((await stat(again.file)).mtimeMs).toBe(mtimeMs);
    expect(await readdir(cacheDir)).toEqual([first.file.slice(cacheDir.length + 1)]);
  });

  it('compiles anew when any file of a folder function changes, and the new module runs the new code', async () => {
    await write({ 'calc/index.ts': "import { factor } from './lib.js';\nexport default (): number => 2 * factor;\n", 'calc/lib.ts': 'export const factor: number = 3;\n' });
    const cache = new TypeScriptCache(cacheDir);
    const before = await cache.compile(folder('calc'));
    await write({ 'calc/lib.ts': 'export const factor: number = 5;\n' });
    const after = await cache.compile(folder('calc'));
    expect(after.fromCache).toBe(false);
    expect(after.file).not.toBe(before.file);
    expect(await run(before.file)).toEqual({ value: 6 });
    expect(await run(after.file)).toEqual({ value: 10 });
  });

  it('resolves local imports written as ./lib.js, ./lib.ts and ./lib, and bundles them', async () => {
    await write({
      'multi/index.ts': "import { a } from './a.js';\nimport { b } from './b.ts';\nimport { c } from './sub/c';\nexport default () => a + b + c;\n",
      'multi/a.ts': "export const a = 'a';\n", 'multi/b.ts': "export const b = 'b';\n", 'multi/sub/c.ts': "export const c = 'c';\n",
    });
    const compiled = await new TypeScriptCache(cacheDir).compile(folder('multi'));
    expect(await run(compiled.file)).toEqual({ value: 'abc' });
  });

  it('does not type-check: a type error never blocks', async () => {
    await write({ 'loose.ts': "const n: number = 'not a number' as unknown as string;\nexport default () => n;\n" });
    const compiled = await new TypeScriptCache(cacheDir).compile(singleFile('loose.ts'));
    expect(await run(compiled.file)).toEqual({ value: 'not a number' });
  });

  it('reports a syntax error with its file, line and column, and writes nothing', async () => {
    await write({ 'broken.ts': 'export default async function () {\n  const x: number = ;\n}\n' });
    const { problem, code } = await compileError(singleFile('broken.ts'));
    expect(code).toBe('SB_FUNCTION_LOAD_FAILED');
    expect(problem).toMatchObject({ file: join(root, 'broken.ts'), line: 2, column: 21 });
    expect(problem.message).toMatch(/Unexpected ";"/u);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('names the imported file when the syntax error is there', async () => {
    await write({ 'lib-broken/index.ts': "import { f } from './lib.js';\nexport default f;\n", 'lib-broken/lib.ts': 'export const f = () => {\n\n  return (1 +;\n};\n' });
    const { problem } = await compileError(folder('lib-broken'));
    expect(problem).toMatchObject({ file: join(root, 'lib-broken', 'lib.ts'), line: 3 });
  });

  it('refuses to bundle a file the function may not read: a sibling of a single file, or outside a folder', async () => {
    await write({ 'alone.ts': "import { secret } from './other.ts';\nexport default () => secret;\n", 'other.ts': "export const secret = 's';\n" });
    const single = await compileError(singleFile('alone.ts'));
    expect(single.problem).toMatchObject({ file: join(root, 'alone.ts'), line: 1 });
    expect(single.problem.message).toContain('outside what function single may read');
    await write({ 'escape/index.ts': "import { secret } from '../other.ts';\nexport default () => secret;\n" });
    expect((await compileError(folder('escape'))).problem.message).toContain('outside what function escape may read');
  });

  it("ignores a tsconfig.json above the function (its paths could pull in any file) and honours the folder's own", async () => {
    await write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { 'alias': ['./other.ts'] } } }),
      'other.ts': "export default 'from outside';\n",
      'aliased/index.ts': "import x from 'alias';\nexport default () => x;\n",
      'own/tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@lib': ['./lib/index.ts'] } } }),
      'own/index.ts': "import { v } from '@lib';\nexport default () => v;\n",
      'own/lib/index.ts': "export const v = 'own paths';\n",
    });
    expect((await compileError(folder('aliased'))).problem.message).toMatch(/Could not resolve "alias"/u);
    expect(await run((await new TypeScriptCache(cacheDir).compile(folder('own'))).file)).toEqual({ value: 'own paths' });
  });

  it("leaves the JavaScript of the function's packages external, so CommonJS keeps its own __dirname and requires", async () => {
    await write({
      'withdep/index.ts': "import dep from 'cjs-dep';\nimport { kind } from 'esm-dep';\nimport pkg from 'cjs-dep/package.json';\nexport default () => ({ ...dep, kind, main: pkg.main, dir: __dirname, url: import.meta.url });\n",
      'withdep/node_modules/cjs-dep/package.json': '{"name":"cjs-dep","main":"index.js"}',
      'withdep/node_modules/cjs-dep/index.js': "const path = require('node:path');\nmodule.exports = { name: require(path.join(__dirname, 'package.json')).name };\n",
      'withdep/node_modules/esm-dep/package.json': '{"name":"esm-dep","type":"module","exports":{"import":"./e.js","require":"./c.cjs"}}',
      'withdep/node_modules/esm-dep/e.js': "export const kind = 'esm';\n",
      'withdep/node_modules/esm-dep/c.cjs': "exports.kind = 'cjs';\n",
    });
    const fn = folder('withdep');
    const compiled = await new TypeScriptCache(cacheDir).compile(fn);
    expect(await run(compiled.file)).toEqual({ value: { name: 'cjs-dep', kind: 'esm', main: 'index.js', dir: join(root, 'withdep'), url: pathToFileURL(fn.entry).href } });
  });

  it('maps a thrown error back to the .ts line through the inline source map', async () => {
    await write({ 'thrower.ts': "type Why = string;\n\nexport default function (): never {\n  const why: Why = 'no VM named';\n  throw new Error(why);\n}\n" });
    const compiled = await new TypeScriptCache(cacheDir).compile(singleFile('thrower.ts'));
    const { stack } = await run(compiled.file);
    expect(stack).toContain(`${join(root, 'thrower.ts')}:5:9`);
  });

  it('typescriptProblem (validate) finds the error without writing a module', async () => {
    await write({ 'ok.ts': 'export default (): void => {};\n', 'bad.ts': 'export default () => {\n  let = 1;\n};\n' });
    expect(await typescriptProblem(singleFile('ok.ts'))).toBeUndefined();
    expect(await typescriptProblem(singleFile('bad.ts'))).toMatchObject({ file: join(root, 'bad.ts'), line: 2 });
    expect((await readdir(root)).sort()).toEqual(['bad.ts', 'cache', 'ok.ts']);
  });
});
