import { sourceTypes } from '../../sources/registry.js';
import { describe, expect, test } from 'vitest';
import { loadError } from '../fixtures/config/load-tree.js';

const config = (body: string) => ({ 'switchboard.yaml': `apiVersion: switchboard/v1\n${body}` });

describe('config errors an operator can act on', () => {
  test('a misspelt key names the key, its line and column and suggests the right one', async () => {
    const e = await loadError(config('sources:\n  - name: ops-hooks\n    type: webhook\n    pth: /webhooks/ops\n'));
    expect(e.code).toBe('SB_CONFIG_INVALID');
    expect(e.problems).toHaveLength(1); // not also "missing path": it is the same mistake
    const [p] = e.problems;
    expect(p).toMatchObject({ file: `${e.dir}/switchboard.yaml`, line: 5, column: 5, path: 'sources[0].pth' });
    expect(p!.message).toBe('unknown key "pth" (did you mean "path"?): expected one of name, type, path, maxBodySize, maxBatchEvents, eventType, idHeader, copyHeaders, auth, rateLimit, allowedOrigins');
    expect(e.message).toContain(`${e.dir}/switchboard.yaml:5:5 sources[0].pth: unknown key`);
  });

  test('unknown keys at the top level are errors too', async () => {
    const e = await loadError(config('bsu:\n  url: embedded\n'));
    expect(e.problems[0]).toMatchObject({ line: 2, column: 1, path: 'bsu' });
    expect(e.problems[0]!.message).toContain('did you mean "bus"?');
  });

  test('a wrong-typed duration says what a duration looks like', async () => {
    const e = await loadError(config('shutdownTimeout: 30 seconds\nfunctions:\n  timeout: 30\n'));
    expect(e.problems.map((p) => [p.path, p.line, p.column, p.message])).toEqual([
      ['shutdownTimeout', 2, 18, 'expected a duration such as 500ms, 30s, 5m, got "30 seconds"'],
      ['functions.timeout', 4, 12, 'expected a duration such as 500ms, 30s, 5m, got 30'],
    ]);
  });

  test('a filter with an unknown dialect lists the eight there are', async () => {
    const e = await loadError(config('subscriptions:\n  - name: s\n    function: f\n    filters:\n      - exactt: { type: x }\n'));
    expect(e.problems[0]).toMatchObject({ path: 'subscriptions[0].filters[0].exactt', line: 6, column: 9 });
    expect(e.problems[0]!.message).toContain('expected one of exact, prefix, suffix, data, cesql, all, any, not');
  });

  test('a filter with two dialects at once says exactly one is expected', async () => {
    const e = await loadError(config('subscriptions:\n  - name: s\n    function: f\n    filters:\n      - any:\n          - { exact: { type: a }, prefix: { type: b } }\n'));
    expect(e.problems[0]).toMatchObject({ path: 'subscriptions[0].filters[0].any[0]', line: 7 });
    expect(e.problems[0]!.message).toBe('expected exactly one of exact, prefix, suffix, data, cesql, all, any, not, got a map with exact and prefix');
  });

  test('a filter attribute must be a CloudEvent attribute name, pointed at by its key', async () => {
    const e = await loadError(config('subscriptions:\n  - name: s\n    function: f\n    filters:\n      - exact: { Type: a }\n'));
    expect(e.problems[0]).toMatchObject({ path: 'subscriptions[0].filters[0].exact.Type', line: 6, column: 18 });
    expect(e.problems[0]!.message).toContain('CloudEvent attribute name');
  });

  test('an unknown source type lists the known ones and suggests the closest', async () => {
    const e = await loadError(config('sources:\n  - name: a\n    type: webhok\n'));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.message).toBe(`expected one of ${Object.keys(sourceTypes).join(', ')}, got "webhok"; did you mean "webhook"?`);
  });

  test('a size from a source type\'s own fragment says what a size looks like', async () => {
    const e = await loadError(config('sources:\n  - name: a\n    type: webhook\n    path: /a\n    maxBodySize: lots\n'));
    expect(e.problems).toHaveLength(1); // one message, not one per oneOf branch
    expect(e.problems[0]!.message).toContain('expected a size such as 512KiB');
  });

  test('a wrong apiVersion says which one is expected', async () => {
    const e = await loadError({ 'switchboard.yaml': 'apiVersion: switchboard/v2\n' });
    expect(e.problems[0]!.message).toBe('expected "switchboard/v1", got "switchboard/v2"');
  });

  test('a missing apiVersion is named', async () => {
    const e = await loadError({ 'switchboard.yaml': 'log: { level: info }\n' });
    expect(e.problems[0]!.message).toBe('missing required key "apiVersion"');
  });

  test('a YAML syntax error is SB_CONFIG_PARSE at its line', async () => {
    const e = await loadError(config('bus:\n  url: "embedded\n'));
    expect(e.code).toBe('SB_CONFIG_PARSE');
    expect(e.problems[0]!.file).toBe(`${e.dir}/switchboard.yaml`);
    expect(e.problems[0]!.line).toBeGreaterThanOrEqual(3);
  });

  test('a key written twice is a parse error, not a silent override', async () => {
    const e = await loadError(config('log: { level: info }\nlog: { level: debug }\n'));
    expect(e.code).toBe('SB_CONFIG_PARSE');
    expect(e.problems[0]).toMatchObject({ line: 3, column: 1, message: 'key "log" is written twice in this map: keep one' });
  });

  test('every problem of every file is reported in one error, one per line', async () => {
    const e = await loadError({
      ...config('http: { listen: nope }\nlog: { level: loud }\n'),
      'subscriptions/a.yaml': '- name: x\n  function: f\n  ordered: maybe\n',
    });
    expect(e.problems.map((p) => `${p.file.slice(e.dir.length + 1)}:${p.line} ${p.path}`)).toEqual([
      'switchboard.yaml:2 http.listen',
      'switchboard.yaml:3 log.level',
      'subscriptions/a.yaml:3 [0].ordered',
    ]);
    expect(e.message.split('\n')).toHaveLength(3);
    expect(e.problems[0]!.message).toContain('host:port');
    expect(e.problems[2]!.message).toBe('expected true or false, got "maybe"');
  });

  test('limits the schema cannot express are checked too', async () => {
    const e = await loadError({
      ...config('functions: { timeout: 20m }\nsubscriptions:\n  - name: s\n    function: f\n    retry: { delay: 5m, maxDelay: 1m }\n'),
      'functions/f.js': '',
    });
    expect(e.problems.map((p) => p.path)).toEqual(['functions.timeout', 'subscriptions[0].retry.maxDelay']);
    expect(e.problems[0]!.message).toContain('at most 15m');
  });

  test('a subscription list file that is not a list says so', async () => {
    const e = await loadError({ ...config(''), 'subscriptions/a.yaml': 'name: x\nfunction: f\n' });
    expect(e.problems[0]).toMatchObject({ line: 1, column: 1, message: 'expected a list or nothing, got a map with name and function' });
  });
});
