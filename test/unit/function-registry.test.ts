import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { FunctionsConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { functionExtensions, loadFunctionCatalog, scanFunctions } from '../../src/runtime/function-registry.js';
import { writeTree, type Tree } from '../fixtures/config/write-tree.js';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.remove();
  tree = undefined;
});

async function scan(files: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  tree = await writeTree({ '.keep': '', ...files });
  const functions: FunctionsConfig = { dir: tree.dir, defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4 };
  return { ...(await scanFunctions(functions, { env })), dir: tree.dir };
}

describe('the function registry', () => {
  test('finds single-file and folder functions, and only the module extensions it knows', async () => {
    const { catalog, problems, dir } = await scan({
      'notify.js': '', 'audit.mjs': '', 'enrich/index.js': '', 'enrich/lib.js': '', 'tag/index.mjs': '',
      'README.md': '', 'readme.txt': '', '.hidden.js': '', 'node_modules/x/index.js': '', 'data.json': '', 'notes.txt': '',
    });
    expect(problems).toEqual([]);
    expect(catalog.names()).toEqual(['audit', 'enrich', 'notify', 'tag']);
    expect(catalog.get('notify')).toEqual({
      name: 'notify', runtime: 'javascript', entry: join(dir, 'notify.js'), version: expect.stringMatching(/^[0-9a-f]{16}$/), readablePaths: [join(dir, 'notify.js')],
      manifest: { env: {}, timeoutMs: 60_000, memoryMb: 256, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true },
    });
    expect(catalog.get('enrich')).toMatchObject({ entry: join(dir, 'enrich/index.js'), readablePaths: [join(dir, 'enrich')] });
    expect(catalog.get('tag')!.entry).toBe(join(dir, 'tag/index.mjs'));
    expect(catalog.get('missing')).toBeUndefined();
    expect(functionExtensions).toEqual(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.py', '.sh']);
  });

  test('knows every runtime: JS, TypeScript, Python, shell and any executable, as files and folders', async () => {
    const { catalog, problems, dir } = await scan({
      'a.cjs': '', 'b.ts': '', 'c.py': '', 'd.sh': '', 'e.rb': '#!/usr/bin/ruby', 'bin-tool': '\x7fELF', 'notes.txt': 'x',
      'f/handler.py': '', 'g/index.ts': '', 'h/handler': '#!/bin/sh', 'h/lib.sh': '',
    });
    const { chmod } = await import('node:fs/promises');
    for (const f of ['e.rb', 'bin-tool', 'notes.txt', 'h/handler']) await chmod(join(dir, f), 0o755);
    const again = await scanFunctions({ dir, defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4 } as FunctionsConfig, { env: {} });
    // Before the chmod nothing is executable: h has no entry, e, bin-tool and notes are data.
    expect(problems.map((p) => p.file)).toEqual([join(dir, 'h')]);
    expect(catalog.names()).toEqual(['a', 'b', 'c', 'd', 'f', 'g']);
    expect(again.problems).toEqual([]);
    const runtimes = Object.fromEntries(again.catalog.names().map((n) => [n, again.catalog.get(n)!.runtime]));
    // notes.txt stays data even when executable.
    expect(runtimes).toEqual({ a: 'javascript', b: 'typescript', c: 'python', d: 'shell', e: 'executable', 'bin-tool': 'executable', f: 'python', g: 'typescript', h: 'executable' });
    expect(again.catalog.get('h')!.entry).toBe(join(dir, 'h/handler'));
  });

  test('the version changes with any file of the function or its manifest, and only then', async () => {
    const { catalog, dir } = await scan({ 'one.js': 'a', 'one.yaml': 'timeout: 5s\n', 'two/index.js': 'b', 'two/lib.js': 'c' });
    const { writeFile } = await import('node:fs/promises');
    const rescan = async () => (await scanFunctions({ dir, defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4 } as FunctionsConfig, { env: {} })).catalog;
    const same = await rescan();
    expect(same.get('one')!.version).toBe(catalog.get('one')!.version);
    expect(same.get('two')!.version).toBe(catalog.get('two')!.version);
    await writeFile(join(dir, 'two/lib.js'), 'changed');
    await writeFile(join(dir, 'one.yaml'), 'timeout: 6s\n');
    const changed = await rescan();
    expect(changed.get('one')!.version).not.toBe(catalog.get('one')!.version);
    expect(changed.get('two')!.version).not.toBe(catalog.get('two')!.version);
  });

  test('reads a sidecar or function.yaml manifest, defaults filled from the functions config', async () => {
    const { catalog, problems, dir } = await scan({
      'notify.js': '',
      'notify.yaml': 'env:\n  WEBHOOK: https://chat.example/hook\n  RETRIES: 3\n  DRY_RUN: false\ntimeout: 10s\n',
      'enrich/index.js': '',
      'enrich/function.yaml': 'memory: 1024\ntriggers:\n  - name: enrich-all\n    retry: { attempts: 2 }\n    timeout: 5s\n',
    });
    expect(problems).toEqual([]);
    expect(catalog.get('notify')).toMatchObject({
      manifestFile: join(dir, 'notify.yaml'),
      readablePaths: [join(dir, 'notify.js')], // not the sidecar: it may hold secrets the function gets through env
      manifest: { env: { WEBHOOK: 'https://chat.example/hook', RETRIES: '3', DRY_RUN: 'false' }, timeoutMs: 10_000, memoryMb: 256, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true },
    });
    expect(catalog.get('enrich')!.manifest).toMatchObject({
      timeoutMs: 60_000, memoryMb: 1024,
      triggers: [{ name: 'enrich-all', filters: [], retry: { attempts: 2 }, timeoutMs: 5_000 }],
    });
  });

  test('an invalid manifest is SB_FUNCTION_MANIFEST_INVALID at the key, with the usual hints', async () => {
    const { problems, dir } = await scan({
      'notify.js': '',
      'notify.yaml': 'env: {}\ntimeuot: 5s\nmemory: 8\n',
      'slow.js': '',
      'slow.yaml': 'timeout: 1h\ntriggers:\n  - name: s\n    function: other\n',
    });
    expect(problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.column, p.path, p.code])).toEqual([
      ['notify.yaml', 2, 1, 'timeuot', 'SB_FUNCTION_MANIFEST_INVALID'],
      ['notify.yaml', 3, 9, 'memory', 'SB_FUNCTION_MANIFEST_INVALID'],
      ['slow.yaml', 4, 5, 'triggers[0].function', 'SB_FUNCTION_MANIFEST_INVALID'],
    ]);
    expect(problems[0]!.message).toContain('did you mean "timeout"?');
    // The 1h timeout is only checked once the manifest is otherwise valid.
    const again = await scan({ 'slow.js': '', 'slow.yaml': 'timeout: 1h\n' });
    expect(again.problems[0]).toMatchObject({ path: 'timeout', message: expect.stringContaining('at most 15m') });
  });

  test('ambiguous or incomplete functions are errors naming the files', async () => {
    const { problems, catalog, dir } = await scan({
      'both/index.js': '', 'both/index.mjs': '',
      'twice.js': '', 'twice.mjs': '',
      'empty/notes.txt': '',
      'orphan.yaml': 'timeout: 1s\n',
      'empty.yaml': 'timeout: 1s\n',
      'bad name.js': '',
    });
    expect(catalog.names()).toEqual([]);
    const byFile = new Map(problems.map((p) => [p.file.slice(dir.length + 1), p.message]));
    expect(byFile.get('both')).toContain('defined more than once');
    expect(byFile.get('twice.js')).toContain(`${join(dir, 'twice.js')}, ${join(dir, 'twice.mjs')}`);
    expect(byFile.get('empty')).toContain('has no entry file: add index.js, index.ts, handler.py');
    expect(byFile.get('orphan.yaml')).toContain('manifest without a function');
    expect(byFile.get('empty.yaml')).toContain('is empty/function.yaml');
    expect(byFile.get('bad name.js')).toContain('not a valid function name');
  });

  test('a missing folder is one problem where the caller says to point', async () => {
    const functions: FunctionsConfig = { dir: '/nonexistent/functions', defaultTimeoutMs: 1, defaultMemoryMb: 1, maxWorkersPerFunction: 1 };
    const at = { file: '/etc/switchboard/switchboard.yaml', line: 7, column: 8, path: 'functions.dir' };
    const { problems, folderRead } = await scanFunctions(functions, { env: {}, dirLocation: at });
    expect(folderRead).toBe(false);
    expect(problems).toEqual([{ ...at, code: 'SB_CONFIG_INVALID', message: expect.stringContaining('/nonexistent/functions does not exist') }]);
    await expect(loadFunctionCatalog(functions, { env: {} })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('manifest env that would lift the sandbox', () => {
  test('LD_* and NODE_OPTIONS are refused at their line', async () => {
    const { problems, dir } = await scan({ 'f.sh': '', 'f.yaml': 'env:\n  OK: 1\n  LD_PRELOAD: /function/evil.so\n  NODE_OPTIONS: --allow-child-process\n' });
    expect(problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.path, p.code])).toEqual([
      ['f.yaml', 3, 'env.LD_PRELOAD', 'SB_FUNCTION_MANIFEST_INVALID'],
      ['f.yaml', 4, 'env.NODE_OPTIONS', 'SB_FUNCTION_MANIFEST_INVALID'],
    ]);
    expect(problems[0]!.message).toContain('dynamic loader');
  });

  test('a secret whose variable would be LD_* is refused too', async () => {
    tree = await writeTree({ 'g.sh': '', 'g.yaml': 'secrets: [ld-preload]\n' });
    const dir = tree.dir;
    const { problems } = await scanFunctions({ dir, defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4, secretsDir: dir } as FunctionsConfig, { env: {} });
    expect(problems.filter((p) => p.code === 'SB_FUNCTION_MANIFEST_INVALID').map((p) => [p.file.slice(dir.length + 1), p.line, p.path])).toEqual([['g.yaml', 1, 'secrets[0]']]);
  });
});

describe('worker settings on an executable', () => {
  test('minWarm, idleTimeout and maxInvocations are refused at their line for a script', async () => {
    const { problems, dir } = await scan({ 'job.py': '', 'job.yaml': 'timeout: 5s\nminWarm: 1\nmaxInvocations: 3\n', 'ok.js': '', 'ok.yaml': 'minWarm: 1\n' });
    expect(problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.path])).toEqual([['job.yaml', 2, 'minWarm'], ['job.yaml', 3, 'maxInvocations']]);
    expect(problems[0]!.message).toContain('a python function starts one process per invocation');
  });
});
