import { describe, expect, test } from 'vitest';
import { interpolateString } from '../../src/config/interpolate.js';
import { loadError, loadTree } from '../fixtures/config/load-tree.js';

const noFiles = { env: {}, baseDir: '/cfg', readFile: (): string => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); } };

describe('${env:} and ${file:} references', () => {
  test('a reference may sit inside a longer string', () => {
    const r = interpolateString('nats://${env:HOST}:4222', { ...noFiles, env: { HOST: 'h1' } });
    expect(r).toEqual({ value: 'nats://h1:4222', errors: [], references: 1 });
  });

  test('$${ is a literal ${ and is not resolved', () => {
    expect(interpolateString('cost: $${env:X} and $5', noFiles).value).toBe('cost: ${env:X} and $5');
  });

  test('an unknown reference kind or an unclosed one says how to write a reference', () => {
    expect(interpolateString('${vault:x}', noFiles).errors[0]).toContain('write ${env:NAME} or ${file:/path}');
    expect(interpolateString('a ${env:X', noFiles).errors[0]).toContain('no closing }');
  });

  test('values come from the environment and from files, relative ones beside the config', async () => {
    const { config } = await loadTree({
      'switchboard.yaml': 'apiVersion: switchboard/v1\nbus:\n  url: nats://${env:NATS_HOST}:4222\n  user: "${env:NATS_USER}"\n  password: ${file:secrets/nats}\n',
      'secrets/nats': 'p4ss\n',
    }, { NATS_HOST: 'bus.internal', NATS_USER: 'ops' });
    expect(config.bus.servers).toEqual(['nats://bus.internal:4222']);
    expect(config.bus.password).toBe('p4ss'); // one trailing newline trimmed
    expect(config.bus.user).toBe('ops');
  });

  test('a missing env var points at its line and column and never prints any secret', async () => {
    const e = await loadError({
      'switchboard.yaml': 'apiVersion: switchboard/v1\nbus:\n  user: ops\n  password: ${env:NATS_PASSWORD}\n  token: ${env:NATS_TOKEN}\nhttp:\n  listen: ${env:LISTEN}\n',
    }, { NATS_TOKEN: 's3cr3t-token', LISTEN: 'hunter2' });
    expect(e.code).toBe('SB_CONFIG_REFERENCE');
    expect(e.problems[0]).toMatchObject({ line: 4, column: 13, path: 'bus.password', code: 'SB_CONFIG_REFERENCE' });
    expect(e.problems[0]!.message).toContain('${env:NATS_PASSWORD} is not set');
    // The schema rejects LISTEN's value; the message says so without showing it.
    expect(e.problems[1]).toMatchObject({ line: 7, path: 'http.listen' });
    expect(e.problems[1]!.message).toContain('not shown');
    expect(e.message).not.toContain('s3cr3t');
    expect(e.message).not.toContain('hunter2');
    expect(e.problems).toHaveLength(2); // no echo about the empty password
  });

  test('an unreadable ${file:} names the path and the reason, never a content', async () => {
    const e = await loadError({ 'switchboard.yaml': 'apiVersion: switchboard/v1\nbus:\n  token: ${file:/nonexistent/token}\n' });
    expect(e.code).toBe('SB_CONFIG_REFERENCE');
    expect(e.problems[0]).toMatchObject({ line: 3, column: 10, path: 'bus.token' });
    expect(e.problems[0]!.message).toContain('${file:/nonexistent/token} cannot be read (ENOENT');
  });

  test('an unquoted reference becomes a number where the schema wants one, while a numeric token stays a string', async () => {
    const { config } = await loadTree({
      'switchboard.yaml': 'apiVersion: switchboard/v1\nbus:\n  port: ${env:PORT}\n  token: ${env:TOKEN}\nsubscriptions:\n  - name: s\n    function: f\n    ordered: ${env:ORDERED}\n',
      'functions/f.js': '',
    }, { PORT: '4333', TOKEN: '123456', ORDERED: 'true' });
    expect(config.bus.port).toBe(4333);
    expect(config.bus.token).toBe('123456');
    expect(config.subscriptions[0]!.ordered).toBe(true);
  });

  test('references work in subscription files and function manifests too', async () => {
    const { config, functions } = await loadTree({
      'switchboard.yaml': 'apiVersion: switchboard/v1\n',
      'subscriptions/a.yaml': '- name: s\n  function: f\n  filters:\n    - exact: { source: "${env:SOURCE}" }\n',
      'functions/f.js': '',
      'functions/f.yaml': 'env:\n  API_KEY: ${file:key.txt}\n',
      'functions/key.txt': 'k3y\n',
    }, { SOURCE: 'vc-lab' });
    expect(config.subscriptions[0]!.filters).toEqual([{ exact: { source: 'vc-lab' } }]);
    expect(functions.get('f')!.manifest.env).toEqual({ API_KEY: 'k3y' });
  });
});
