import { describe, expect, test } from 'vitest';
import { locateConfig, systemConfigPath } from '../../src/config/locate.js';
import { ConfigNotFoundError } from '../../src/errors.js';

const existing = (...paths: string[]) => (path: string) => paths.includes(path);

function notFound(run: () => unknown): ConfigNotFoundError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigNotFoundError);
    return e as ConfigNotFoundError;
  }
  throw new Error('expected ConfigNotFoundError');
}

describe('locateConfig', () => {
  test('an explicit --config path wins over $SWITCHBOARD_CONFIG and the default places', () => {
    const path = locateConfig('my.yaml', { SWITCHBOARD_CONFIG: '/env.yaml' }, {
      cwd: '/srv', exists: existing('/srv/my.yaml', '/env.yaml', '/srv/switchboard.yaml', systemConfigPath),
    });
    expect(path).toBe('/srv/my.yaml');
  });

  test('an explicit path that does not exist is an error naming it, with no fallback', () => {
    const e = notFound(() => locateConfig('missing.yaml', {}, { cwd: '/srv', exists: existing('/srv/switchboard.yaml') }));
    expect(e.code).toBe('SB_CONFIG_NOT_FOUND');
    expect(e.message).toContain('/srv/missing.yaml');
  });

  test('$SWITCHBOARD_CONFIG is used when --config is not given', () => {
    const path = locateConfig(undefined, { SWITCHBOARD_CONFIG: '/etc/sb/a.yaml' }, { cwd: '/srv', exists: existing('/etc/sb/a.yaml', '/srv/switchboard.yaml') });
    expect(path).toBe('/etc/sb/a.yaml');
  });

  test('a $SWITCHBOARD_CONFIG that does not exist is an error naming the variable', () => {
    const e = notFound(() => locateConfig(undefined, { SWITCHBOARD_CONFIG: '/nope.yaml' }, { cwd: '/srv', exists: existing(systemConfigPath) }));
    expect(e.message).toContain('SWITCHBOARD_CONFIG');
    expect(e.message).toContain('/nope.yaml');
  });

  test('./switchboard.yaml comes before /etc/switchboard/switchboard.yaml', () => {
    expect(locateConfig(undefined, {}, { cwd: '/srv', exists: existing('/srv/switchboard.yaml', systemConfigPath) })).toBe('/srv/switchboard.yaml');
    expect(locateConfig(undefined, {}, { cwd: '/srv', exists: existing(systemConfigPath) })).toBe(systemConfigPath);
  });

  test('when nothing is found the error lists every place searched and how to fix it', () => {
    const e = notFound(() => locateConfig(undefined, {}, { cwd: '/srv', exists: existing() }));
    for (const place of ['--config', 'SWITCHBOARD_CONFIG', '/srv/switchboard.yaml', systemConfigPath]) expect(e.message).toContain(place);
    expect(e.message).toMatch(/Pass --config/);
  });
});
