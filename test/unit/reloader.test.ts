// The reload step on real files, without a bus: the router is a stand-in that records the
// subscriptions it is asked to run.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { loadSwitchboard } from '../../src/config/load.js';
import type { SubscriptionConfig } from '../../src/config/types.js';
import { FunctionSnapshots } from '../../src/reload/function-snapshots.js';
import type { LiveCatalog } from '../../src/reload/live-catalog.js';
import { Reloader, snapshotCatalog, type ReloadResult } from '../../src/reload/reloader.js';
import { diffSubscriptions } from '../../src/router/subscription-diff.js';
import { writeTree, type Tree } from '../fixtures/config/write-tree.js';

let tree: Tree | undefined;
let snapshots: FunctionSnapshots | undefined;
afterEach(async () => {
  await snapshots?.remove();
  await tree?.remove();
  tree = undefined;
  snapshots = undefined;
});

const config = (subscriptions: string, bus = 'url: nats://127.0.0.1:4222') => `apiVersion: switchboard/v1
bus:
  ${bus}
functions:
  dir: ./functions
subscriptions:
${subscriptions}`;

const fn = (version: string) => `export default async () => '${version}';\n`;

async function reloading(files: Record<string, string>) {
  tree = await writeTree(files);
  const loaded = await loadSwitchboard({ configPath: tree.path('switchboard.yaml'), env: {} });
  snapshots = await FunctionSnapshots.create();
  const catalog = await snapshotCatalog(loaded.functions, snapshots);
  let running = new Map(loaded.config.subscriptions.map((s) => [s.name, s]));
  const reconciled: SubscriptionConfig[][] = [];
  const logs: Record<string, unknown>[] = [];
  const router = {
    async reconcile(subscriptions: readonly SubscriptionConfig[]) {
      reconciled.push([...subscriptions]);
      const changes = diffSubscriptions(running, subscriptions);
      running = new Map(subscriptions.map((s) => [s.name, s]));
      return { ...changes, failed: [] };
    },
  };
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const reloader = new Reloader({ config: loaded.config, catalog, snapshots, router, logger, env: {} });
  return { reloader, catalog, reconciled, logs, subscriptions: () => [...running.keys()].sort() };
}

const code = (catalog: LiveCatalog, name: string) => readFile(catalog.get(name)!.entry, 'utf8');
function applied(result: ReloadResult) {
  if (result.outcome !== 'applied') throw new Error(`expected an applied reload, got ${JSON.stringify(result)}`);
  return result;
}

describe('a reload', () => {
  test('runs a changed function from a copy of its new version; the old copy is left as it was', async () => {
    const { reloader, catalog } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify/index.mjs': fn('v1'),
      'functions/notify/lib.mjs': 'export const x = 1;\n',
    });
    const before = catalog.get('notify')!;
    expect(before.entry).not.toBe(tree!.path('functions/notify/index.mjs'));
    await writeFile(tree!.path('functions/notify/index.mjs'), fn('v2'));
    const result = applied(await reloader.request());
    expect(result.functions).toMatchObject({ changed: ['notify'], added: [], removed: [] });
    expect(await code(catalog, 'notify')).toBe(fn('v2'));
    expect(await readFile(catalog.get('notify')!.entry.replace('index.mjs', 'lib.mjs'), 'utf8')).toBe('export const x = 1;\n');
    expect(await readFile(before.entry, 'utf8')).toBe(fn('v1'));
    expect(catalog.get('notify')!.version).not.toBe(before.version);
  });

  test('a syntax error keeps the last good version serving and names the file and line', async () => {
    const { reloader, catalog, logs } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify.mjs': fn('v1'),
    });
    await writeFile(tree!.path('functions/notify.mjs'), 'export default async () => {\n  return (;\n};\n');
    const result = applied(await reloader.request());
    expect(result.functions.keptBroken).toEqual(['notify']);
    expect(result.problems).toEqual([expect.objectContaining({ file: tree!.path('functions/notify.mjs'), line: 2, code: 'SB_FUNCTION_LOAD_FAILED', function: 'notify', kept: true })]);
    expect(await code(catalog, 'notify')).toBe(fn('v1'));
    const logged = logs.find((l) => l.level === 50 && l.function === 'notify')!;
    expect(logged.msg).toContain(`${tree!.path('functions/notify.mjs')}:2:`);
    expect(logged.msg).toContain('keeps serving its last good version');
    expect(reloader.health().detail).toContain(`${tree!.path('functions/notify.mjs')}:2:`);

    await writeFile(tree!.path('functions/notify.mjs'), fn('v3'));
    expect(applied(await reloader.request()).functions.changed).toEqual(['notify']);
    expect(await code(catalog, 'notify')).toBe(fn('v3'));
  });

  test('an invalid manifest keeps the last good version and its triggers; a new broken function is not added', async () => {
    const { reloader, catalog, subscriptions } = await reloading({
      'switchboard.yaml': config('  []\n'),
      'functions/audit/index.mjs': fn('v1'),
      'functions/audit/function.yaml': 'triggers:\n  - name: audit-all\n',
    });
    expect(subscriptions()).toEqual(['audit-all']);
    await writeFile(tree!.path('functions/audit/function.yaml'), 'triggers:\n  - name: audit-all\ntimeout: soon\n');
    await writeFile(tree!.path('functions/fresh.mjs'), 'export default async () => {\n');
    const result = applied(await reloader.request());
    expect(result.functions).toMatchObject({ keptBroken: ['audit'], broken: ['fresh'], added: [] });
    expect(result.problems.find((p) => p.function === 'audit')).toMatchObject({ file: tree!.path('functions/audit/function.yaml'), line: 3 });
    expect(catalog.names()).toEqual(['audit']);
    expect(catalog.get('audit')!.manifest.triggers).toHaveLength(1);
    expect(subscriptions()).toEqual(['audit-all']);
  });

  test('new functions and subscription files start routing; removed ones stop, with their triggers', async () => {
    const { reloader, catalog, subscriptions } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify.mjs': fn('v1'),
      'functions/audit/index.mjs': fn('v1'),
      'functions/audit/function.yaml': 'triggers:\n  - name: audit-all\n',
    });
    await writeFile(tree!.path('functions/tagger.mjs'), fn('v1'));
    await rm(tree!.path('functions/audit'), { recursive: true });
    await mkdir(tree!.path('subscriptions'));
    await writeFile(tree!.path('subscriptions/tagging.yaml'), '- { name: tag, function: tagger }\n');
    const result = applied(await reloader.request());
    expect(result.functions).toMatchObject({ added: ['tagger'], removed: ['audit'] });
    expect(result.subscriptions).toMatchObject({ added: ['tag'], removed: ['audit-all'] });
    expect(catalog.names()).toEqual(['notify', 'tagger']);
    expect(subscriptions()).toEqual(['s', 'tag']);
  });

  test('an invalid config file changes nothing and is reported at its line', async () => {
    const { reloader, reconciled, catalog } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify.mjs': fn('v1'),
    });
    await writeFile(tree!.path('functions/notify.mjs'), fn('v2'));
    await writeFile(tree!.path('switchboard.yaml'), config('  - { name: s, function: notify, retry: { attempts: many } }\n'));
    const result = await reloader.request();
    expect(result).toMatchObject({ outcome: 'rejected', problems: [expect.objectContaining({ file: tree!.path('switchboard.yaml'), line: 7 })] });
    expect(reconciled).toEqual([]);
    expect(await code(catalog, 'notify')).toBe(fn('v1'));
  });

  test('a changed bus setting is reported once as needing a restart; subscriptions still reload', async () => {
    const { reloader, logs, subscriptions } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify.mjs': fn('v1'),
    });
    const edited = config('  - { name: s, function: notify }\n  - { name: t, function: notify }\n', 'url: nats://127.0.0.1:4333');
    await writeFile(tree!.path('switchboard.yaml'), edited);
    await reloader.request();
    await reloader.request();
    expect(subscriptions()).toEqual(['s', 't']);
    const notices = logs.filter((l) => String(l.msg).startsWith('restart switchboard'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.settings).toEqual(['bus']);
  });

  test('requests made while a reload runs share one more reload after it', async () => {
    const { reloader, reconciled } = await reloading({
      'switchboard.yaml': config('  - { name: s, function: notify }\n'),
      'functions/notify.mjs': fn('v1'),
    });
    await Promise.all([reloader.request(), reloader.request()]);
    expect(reconciled).toHaveLength(1);
    const first = reloader.request();
    await new Promise((r) => setImmediate(r)); // the first one is reading files now
    const all = await Promise.all([first, reloader.request(), reloader.request(), reloader.request()]);
    expect(all.every((r) => r.outcome === 'applied')).toBe(true);
    expect(reconciled).toHaveLength(3);
  });
});
