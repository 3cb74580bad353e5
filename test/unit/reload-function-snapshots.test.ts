import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { FunctionsConfig } from '../../src/config/types.js';
import { FunctionSnapshots } from '../../src/reload/function-snapshots.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';
import { writeTree, type Tree } from '../fixtures/config/write-tree.js';

let tree: Tree | undefined;
let snapshots: FunctionSnapshots | undefined;
afterEach(async () => {
  await snapshots?.remove();
  await tree?.remove();
});

async function scan() {
  const functions = { dir: tree!.dir, defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4, maxChainDepth: 8, secretsDir: '/nonexistent', sandbox: 'required', watch: true } satisfies FunctionsConfig;
  return (await scanFunctions(functions, { env: {} })).catalog;
}

async function scanned(files: Record<string, string>) {
  tree = await writeTree(files);
  snapshots = await FunctionSnapshots.create();
  return scan();
}

describe('a function snapshot', () => {
  test('copies a folder function with its modes and links, and runs from the copy', async () => {
    await scanned({ 'tool/handler.sh': '#!/bin/sh\necho hi\n', 'tool/data.txt': 'data' });
    await chmod(join(tree!.dir, 'tool/handler.sh'), 0o755);
    await symlink('data.txt', join(tree!.dir, 'tool/link.txt'));
    const source = (await scan()).get('tool')!;
    const taken = (await snapshots!.take(source))!;
    expect(taken.source).toBe(source);
    expect(taken.running.entry.startsWith(snapshots!.root)).toBe(true);
    expect(taken.running.readablePaths).toEqual([join(taken.running.entry, '..')]);
    expect((await stat(taken.running.entry)).mode & 0o777).toBe(0o755);
    expect(await readlink(join(taken.running.entry, '..', 'link.txt'))).toBe('data.txt');
    expect((await lstat(join(taken.running.entry, '..', 'link.txt'))).isSymbolicLink()).toBe(true);
  });

  test('keeps links that stay inside the function, and leaves out links to anything outside it', async () => {
    await scanned({ 'tool/index.js': '', 'tool/sub/data.txt': 'data', 'secrets/other': 'not yours', 'sibling.js': '' });
    await symlink(join(tree!.dir, 'tool/sub/data.txt'), join(tree!.dir, 'tool/absolute-inside.txt'));
    await symlink('../secrets/other', join(tree!.dir, 'tool/relative-outside'));
    await symlink(join(tree!.dir, 'secrets/other'), join(tree!.dir, 'tool/absolute-outside'));
    await symlink('../sibling.js', join(tree!.dir, 'tool/sub/sibling'));
    const taken = (await snapshots!.take((await scan()).get('tool')!))!;
    const copy = join(taken.running.entry, '..');
    expect(await readFile(join(copy, 'absolute-inside.txt'), 'utf8')).toBe('data');
    expect(await readlink(join(copy, 'absolute-inside.txt'))).toBe('sub/data.txt'); // relative, within the copy
    const names = await readdir(copy);
    expect(names).not.toContain('relative-outside');
    expect(names).not.toContain('absolute-outside');
    expect(await readdir(join(copy, 'sub'))).toEqual(['data.txt']);
  });

  test('copies a single-file function as that file only', async () => {
    const catalog = await scanned({ 'notify.mjs': 'export default () => 1;\n', 'notify.yaml': 'timeout: 5s\n', 'other.mjs': '' });
    const taken = (await snapshots!.take(catalog.get('notify')!))!;
    expect(taken.running.readablePaths).toEqual([taken.running.entry]);
    expect(taken.running.entry.endsWith('/notify.mjs')).toBe(true);
    expect(await readFile(taken.running.entry, 'utf8')).toBe('export default () => 1;\n');
  });

  test('is refused when the files changed after they were scanned (the copy may mix two versions)', async () => {
    const catalog = await scanned({ 'notify.mjs': 'export default () => 1;\n' });
    await writeFile(join(tree!.dir, 'notify.mjs'), 'export default () => 2;\n');
    expect(await snapshots!.take(catalog.get('notify')!)).toBeUndefined();
  });

  test('a start removes the copies of appliances that died without removing theirs', async () => {
    tree = await writeTree({ 'keep.txt': '' });
    const dead = 2_147_483_646; // no such process
    await mkdir(join(tree.dir, `switchboard-functions-${dead}-abc/notify@1.1`), { recursive: true });
    await mkdir(join(tree.dir, `switchboard-functions-${process.pid}-def`));
    snapshots = await FunctionSnapshots.create(tree.dir);
    expect((await readdir(tree.dir)).sort()).toEqual(['keep.txt', `switchboard-functions-${process.pid}-def`, snapshots.root.slice(tree.dir.length + 1)].sort());
  });
});
