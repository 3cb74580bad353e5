import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FileWatcher, type WatchTarget } from '../../src/reload/watch-files.js';
import { eventually } from '../helpers/appliance.js';

let dir: string;
let watcher: FileWatcher | undefined;
afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function watchTree(options: { pollIntervalMs?: number; debounceMs?: number; targets?: (dir: string) => WatchTarget[] } = {}) {
  dir = await mkdtemp(join(tmpdir(), 'sb-watch-'));
  await mkdir(join(dir, 'functions', 'notify'), { recursive: true });
  await writeFile(join(dir, 'switchboard.yaml'), 'apiVersion: switchboard/v1\n');
  const changes: number[] = [];
  watcher = new FileWatcher({
    targets: options.targets?.(dir) ?? [
      { path: join(dir, 'functions'), kind: 'tree' },
      { path: join(dir, 'subscriptions'), kind: 'folder' },
      { path: join(dir, 'switchboard.yaml'), kind: 'file' },
    ],
    debounceMs: options.debounceMs ?? 100,
    pollIntervalMs: options.pollIntervalMs ?? 0,
    onChange: () => changes.push(Date.now()),
  });
  await watcher.start();
  return changes;
}

/** Wait for `count` changes, then make sure no more arrive for a while (a burst is one change). */
async function settles(changes: number[], count: number): Promise<void> {
  await eventually(() => changes.length >= count, 5_000, `${count} change(s)`);
  await new Promise((r) => setTimeout(r, 400));
  expect(changes).toHaveLength(count);
}

describe('watching the functions folder, subscriptions/ and the config file', () => {
  test('a burst of writes is one change', async () => {
    const changes = await watchTree();
    for (let i = 0; i < 5; i++) await writeFile(join(dir, 'functions', 'notify', 'index.mjs'), `export default () => ${i};\n`);
    await writeFile(join(dir, 'functions', 'notify', 'function.yaml'), 'timeout: 5s\n');
    await settles(changes, 1);
  });

  test('an editor that writes a temp file and renames it over the config is seen, its swap files are not', async () => {
    const changes = await watchTree();
    await writeFile(join(dir, '.switchboard.yaml.swp'), 'x');
    await writeFile(join(dir, 'functions', 'notify', '.index.mjs.swp'), 'x');
    await writeFile(join(dir, 'other.txt'), 'not watched');
    await new Promise((r) => setTimeout(r, 300));
    expect(changes).toHaveLength(0);
    await writeFile(join(dir, '.switchboard.yaml.tmp'), 'apiVersion: switchboard/v1\nsubscriptions: []\n');
    await rename(join(dir, '.switchboard.yaml.tmp'), join(dir, 'switchboard.yaml'));
    await settles(changes, 1);
    // The replaced file is a new inode: later edits are still seen.
    await writeFile(join(dir, 'switchboard.yaml'), 'apiVersion: switchboard/v1\n');
    await settles(changes, 2);
  });

  test('sees files in new subfolders, and a folder deleted and created again', async () => {
    const changes = await watchTree();
    await mkdir(join(dir, 'functions', 'enrich'));
    await writeFile(join(dir, 'functions', 'enrich', 'index.mjs'), 'export default () => 1;\n');
    await settles(changes, 1);
    await writeFile(join(dir, 'functions', 'enrich', 'index.mjs'), 'export default () => 2;\n');
    await settles(changes, 2);

    await rm(join(dir, 'functions'), { recursive: true });
    await settles(changes, 3);
    await mkdir(join(dir, 'functions', 'audit'), { recursive: true });
    await settles(changes, 4);
    await writeFile(join(dir, 'functions', 'audit', 'index.mjs'), 'export default () => 3;\n');
    await settles(changes, 5);

    await mkdir(join(dir, 'subscriptions'));
    await settles(changes, 6);
    await writeFile(join(dir, 'subscriptions', 'audit.yaml'), '[]\n');
    await settles(changes, 7);
    expect(watcher!.watchedDirectories()).toContain(join(dir, 'subscriptions'));
  });

  test('stat polling catches what no watch could see, and arms watches on what appeared', async () => {
    // Nothing above the functions folder exists at start: no directory to watch yet.
    const changes = await watchTree({ pollIntervalMs: 200, targets: (d) => [{ path: join(d, 'later', 'deeper', 'functions'), kind: 'tree' }] });
    expect(watcher!.watchedDirectories()).toEqual([]);
    await mkdir(join(dir, 'later', 'deeper', 'functions'), { recursive: true });
    await writeFile(join(dir, 'later', 'deeper', 'functions', 'a.mjs'), 'export default () => 1;\n');
    await eventually(() => changes.length >= 1, 5_000, 'the poll');
    expect(watcher!.watchedDirectories()).toEqual([join(dir, 'later', 'deeper'), join(dir, 'later', 'deeper', 'functions')]);
  });

  test('node_modules stands for itself through npm\'s lock file, not a watch per package', async () => {
    const changes = await watchTree();
    await mkdir(join(dir, 'functions', 'notify', 'node_modules', 'left-pad'), { recursive: true });
    await settles(changes, 1);
    expect(watcher!.watchedDirectories()).toContain(join(dir, 'functions', 'notify', 'node_modules'));
    expect(watcher!.watchedDirectories()).not.toContain(join(dir, 'functions', 'notify', 'node_modules', 'left-pad'));
    await writeFile(join(dir, 'functions', 'notify', 'node_modules', 'left-pad', 'index.js'), 'x');
    await new Promise((r) => setTimeout(r, 300));
    expect(changes).toHaveLength(1);
    await writeFile(join(dir, 'functions', 'notify', 'node_modules', '.package-lock.json'), '{}');
    await settles(changes, 2);
  });
});
