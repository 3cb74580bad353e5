import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfigFile, loadSwitchboard } from '../../src/config/load.js';
import { loadError, loadTree, minimalConfig } from '../fixtures/config/load-tree.js';

const example = resolve('test/fixtures/config/example');

describe('loadSwitchboard', () => {
  test('the example config from the issue loads, with its filters as written', async () => {
    const { config, functions } = await loadSwitchboard({ configPath: join(example, 'switchboard.yaml'), env: {} });
    expect(config.file).toBe(join(example, 'switchboard.yaml'));
    expect(config.bus).toMatchObject({ url: 'embedded', embedded: true, servers: [], dataDir: '/var/lib/switchboard' });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.sources).toEqual([{ name: 'ops-hooks', type: 'webhook', path: '/webhooks/ops' }]);
    expect(functions.names()).toEqual(['notify']);
    expect(config.subscriptions).toEqual([{
      name: 'notify-on-poweroff',
      function: 'notify',
      filters: [
        { exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } },
        { any: [{ prefix: { subject: 'Vm' } }, { not: { suffix: { source: '/test' } } }] },
      ],
      retry: { attempts: 5, backoff: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 },
      timeoutMs: 30_000,
      deadLetter: true,
      ordered: false,
      concurrency: 16,
      declaredAt: { file: join(example, 'switchboard.yaml'), line: 16, column: 5, path: 'subscriptions[0]' },
    }]);
  });

  test('defaults are applied to everything not written', async () => {
    const { config, tree } = await loadTree({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: s\n    function: f\n`,
      'functions/f.js': '',
    });
    expect(config.baseDir).toBe(tree.dir);
    expect(config.bus).toEqual({
      url: 'embedded', servers: [], embedded: true, port: 4222, dataDir: '/var/lib/switchboard',
      events: { maxAgeMs: 7 * 86_400_000, maxBytes: 1024 ** 3, maxMessages: -1 },
      deadLetter: { maxAgeMs: 30 * 86_400_000, maxBytes: 256 * 1024 ** 2, maxMessages: -1 },
      invocations: { maxAgeMs: 7 * 86_400_000, maxBytes: 256 * 1024 ** 2, maxMessages: -1 },
      duplicateWindowMs: 120_000, replicas: 1, ackWaitMs: 30_000,
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.functions).toEqual({ dir: join(tree.dir, 'functions'), defaultTimeoutMs: 60_000, loadTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4, maxChainDepth: 8, secretsDir: '/etc/switchboard/secrets', sandbox: 'required', watch: true, prestartedWorkers: 1 });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.shutdownTimeoutMs).toBe(30_000);
    expect(config.sources).toEqual([]);
    const [s] = config.subscriptions;
    expect(s).toMatchObject({ filters: [], retry: { attempts: 3, backoff: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 }, deadLetter: true, ordered: false, concurrency: 16 });
    expect(s).not.toHaveProperty('timeoutMs'); // the function's own timeout applies
  });

  test('written values replace the defaults; relative paths resolve against the config folder', async () => {
    const { config, tree } = await loadTree({
      'switchboard.yaml': [
        minimalConfig.trim(),
        'bus:',
        '  url: nats://h1:4222, tls://h2:4222',
        '  dataDir: state',
        '  duplicateWindow: 10m',
        '  ackWait: 2s',
        '  retention: { events: { maxAge: 1d, maxBytes: 10MB, maxMessages: 1000 } }',
        'http: { listen: "[::]:9090" }',
        'functions: { dir: fns, timeout: 15m, loadTimeout: 2m, memory: 512, maxWorkers: 2 }',
        'log: { level: debug }',
        'shutdownTimeout: 500ms',
        '',
      ].join('\n'),
      'fns/.keep': '',
    });
    expect(config.bus).toMatchObject({ embedded: false, servers: ['nats://h1:4222', 'tls://h2:4222'], dataDir: join(tree.dir, 'state'), duplicateWindowMs: 600_000, ackWaitMs: 2_000 });
    expect(config.bus.events).toEqual({ maxAgeMs: 86_400_000, maxBytes: 10_000_000, maxMessages: 1000 });
    expect(config.http).toEqual({ host: '::', port: 9090 });
    expect(config.functions).toEqual({ dir: join(tree.dir, 'fns'), defaultTimeoutMs: 900_000, loadTimeoutMs: 120_000, defaultMemoryMb: 512, maxWorkersPerFunction: 2, maxChainDepth: 8, secretsDir: '/etc/switchboard/secrets', sandbox: 'required', watch: true, prestartedWorkers: 1 });
    expect(config.log.level).toBe('debug');
    expect(config.shutdownTimeoutMs).toBe(500);
  });

  test('subscriptions come from the config, subscriptions/*.yaml in filename order, then function manifests', async () => {
    const { config, tree } = await loadTree({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: in-config\n    function: a\n`,
      'subscriptions/20-b.yaml': '- name: from-b\n  function: a\n',
      'subscriptions/10-a.yaml': '# two in one file\n- name: from-a-1\n  function: b\n- name: from-a-2\n  function: b\n  retry: { delay: 5m }\n',
      'subscriptions/empty.yaml': '',
      'subscriptions/notes.txt': 'not a subscription file',
      'functions/a.js': '',
      'functions/b/index.mjs': '',
      'functions/b/function.yaml': 'triggers:\n  - name: from-manifest\n    filters: [{ exact: { type: x } }]\n    ordered: true\n',
    });
    expect(config.subscriptions.map((s) => [s.name, s.function])).toEqual([
      ['in-config', 'a'], ['from-a-1', 'b'], ['from-a-2', 'b'], ['from-b', 'a'], ['from-manifest', 'b'],
    ]);
    const byName = new Map(config.subscriptions.map((s) => [s.name, s]));
    expect(byName.get('from-a-2')!.declaredAt).toEqual({ file: join(tree.dir, 'subscriptions/10-a.yaml'), line: 4, column: 3, path: '[1]' });
    expect(byName.get('from-a-2')!.retry.maxDelayMs).toBe(300_000); // a long delay raises the default cap
    expect(byName.get('from-manifest')).toMatchObject({
      ordered: true, filters: [{ exact: { type: 'x' } }],
      declaredAt: { file: join(tree.dir, 'functions/b/function.yaml'), line: 2, column: 5, path: 'triggers[0]' },
    });
  });

  test('a duplicate subscription name points at the second and names where the first is', async () => {
    const e = await loadError({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: dup\n    function: f\n`,
      'subscriptions/a.yaml': '- name: other\n  function: f\n- function: f\n  name: dup\n',
      'functions/f.js': '',
    });
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ file: join(e.dir, 'subscriptions/a.yaml'), line: 4, column: 9, path: '[1].name' });
    expect(e.problems[0]!.message).toContain(`already declared at ${join(e.dir, 'switchboard.yaml')}:3:5`);
  });

  test('a trigger clashing with a config subscription is a duplicate too', async () => {
    const e = await loadError({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: dup\n    function: f\n`,
      'functions/f.js': '',
      'functions/f.yaml': 'triggers:\n  - name: dup\n',
    });
    expect(e.problems[0]).toMatchObject({ file: join(e.dir, 'functions/f.yaml'), line: 2, path: 'triggers[0].name' });
  });

  test('duplicate source names are an error at the second', async () => {
    const e = await loadError({
      'switchboard.yaml': `${minimalConfig}sources:\n  - { name: hooks, type: webhook, path: /a }\n  - { name: hooks, type: webhook, path: /b }\n`,
    });
    expect(e.problems[0]).toMatchObject({ line: 4, path: 'sources[1].name' });
    expect(e.problems[0]!.message).toContain('already declared at line 3');
  });

  test('a subscription naming a missing function points at it and lists the available ones', async () => {
    const e = await loadError({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: s\n    function: notfy\n`,
      'functions/notify.js': '',
      'functions/audit.mjs': '',
    });
    expect(e.code).toBe('SB_FUNCTION_NOT_FOUND');
    expect(e.problems[0]).toMatchObject({ line: 4, column: 15, path: 'subscriptions[0].function' });
    expect(e.problems[0]!.message).toContain('did you mean "notify"?');
    expect(e.problems[0]!.message).toContain('Available: audit, notify.');
  });

  test('a missing functions folder points at functions.dir', async () => {
    const e = await loadError({ 'switchboard.yaml': `${minimalConfig}functions:\n  dir: ./fns\n` }, {}, { functionsFolder: false });
    expect(e.problems).toEqual([expect.objectContaining({ line: 3, column: 8, path: 'functions.dir' })]);
    expect(e.problems[0]!.message).toContain(`${join(e.dir, 'fns')} does not exist`);
  });

  test('a missing default functions folder says the default was used', async () => {
    const e = await loadError({ 'switchboard.yaml': minimalConfig }, {}, { functionsFolder: false });
    expect(e.problems[0]).toMatchObject({ line: 1, column: 1, path: 'functions.dir' });
    expect(e.problems[0]!.message).toContain('functions.dir is not set');
  });

  test('merge keys let subscriptions share a retry policy', async () => {
    const { config } = await loadTree({
      'switchboard.yaml': `${minimalConfig}subscriptions:\n  - name: a\n    function: f\n    retry: &patient { attempts: 10, backoff: linear }\n  - name: b\n    function: f\n    retry: { <<: *patient, delay: 2s }\n`,
      'functions/f.js': '',
    });
    expect(config.subscriptions[1]!.retry).toEqual({ attempts: 10, backoff: 'linear', delayMs: 2_000, maxDelayMs: 60_000 });
  });

  test('the result is frozen all the way down', async () => {
    const { config, functions } = await loadSwitchboard({ configPath: join(example, 'switchboard.yaml'), env: {} });
    expect(Object.isFrozen(config.bus.events)).toBe(true);
    expect(Object.isFrozen(config.subscriptions[0]!.filters[1])).toBe(true);
    expect(Object.isFrozen(functions.get('notify')!.manifest.triggers)).toBe(true);
    expect(() => { (config.http as { port: number }).port = 1; }).toThrow(TypeError);
  });

  test('loadConfigFile reads switchboard.yaml alone, without the functions folder', async () => {
    const config = await loadConfigFile({ configPath: join(example, 'switchboard.yaml'), env: {} });
    expect(config.subscriptions.map((s) => s.name)).toEqual(['notify-on-poweroff']);
  });

  test('the config is found through $SWITCHBOARD_CONFIG when no path is given', async () => {
    const { config } = await loadSwitchboard({ env: { SWITCHBOARD_CONFIG: join(example, 'switchboard.yaml') } });
    expect(config.file).toBe(join(example, 'switchboard.yaml'));
  });
});
