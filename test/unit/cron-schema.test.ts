import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { cronSchema, isTimeZone, validateCronConfig, type CronConfig } from '../../sources/cron/schema.js';
import { loadError, loadTree, minimalConfig } from '../fixtures/config/load-tree.js';

const validate = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true }).compile({ ...cronSchema, $defs: { sourceName: { type: 'string' } } });
const check = (extra: Partial<CronConfig>) => validateCronConfig({ name: 'nightly', type: 'cron', schedule: '0 3 * * *', ...extra });

describe('cron config', () => {
  it('takes any JSON value as data and refuses unknown keys', () => {
    for (const data of [{ a: [1, { b: null }] }, 'x', 3, null]) expect(validate({ name: 'n', type: 'cron', schedule: '* * * * *', data })).toBe(true);
    expect(validate({ name: 'n', type: 'cron', schedule: '* * * * *', interval: '5m' })).toBe(false);
    expect(validate({ name: 'n', type: 'cron' })).toBe(false);
  });

  it.each(['0 3 * * *', '*/10 * * * * *', '0 9 * * mon-fri', '0 0 1 jan,jul *', '  0 3 * * *  '])('accepts the schedule %j', (schedule) => {
    expect(check({ schedule })).toEqual([]);
  });

  it.each([
    ['61 * * * *', /61 is a invalid expression for minute/],
    ['* * *', /expected 5 or 6 fields but got 3/],
    ['* * * * * * *', /expected 5 or 6 fields but got 7/],
    ['0 0 31 2 *', /impossible day of month/],
    ['every day', /not a cron expression/],
  ])('refuses the schedule %j, saying why', (schedule, why) => {
    expect(check({ schedule })).toEqual([{ path: ['schedule'], message: expect.stringMatching(why) }]);
  });

  it('accepts IANA time zones and refuses others', () => {
    expect(check({ timezone: 'Europe/Berlin' })).toEqual([]);
    expect(check({ timezone: 'UTC' })).toEqual([]);
    expect(check({ timezone: 'Europe/Berln' })).toEqual([{ path: ['timezone'], message: expect.stringMatching(/"Europe\/Berln" is not a time zone/) }]);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('is checked by the config loader, which points at the line of the expression and of the zone', async () => {
    const e = await loadError({
      'switchboard.yaml': [
        minimalConfig.trim(),
        'sources:',
        '  - name: nightly',
        '    type: cron',
        '    schedule: "0 25 * * *"',
        '    timezone: Europe/Berln',
        '',
      ].join('\n'),
    });
    expect(e.code).toBe('SB_CONFIG_INVALID');
    expect(e.problems.map(({ line, column, path }) => ({ line, column, path }))).toEqual([
      { line: 5, column: 15, path: 'sources[0].schedule' },
      { line: 6, column: 15, path: 'sources[0].timezone' },
    ]);
    expect(e.message).toMatch(/switchboard\.yaml:5:15 sources\[0\]\.schedule: "0 25 \* \* \*" is not a cron expression \(25 is a invalid expression for hour\)/);
  });

  it('a valid entry loads as written', async () => {
    const { config } = await loadTree({ 'switchboard.yaml': `${minimalConfig}sources:\n  - { name: nightly, type: cron, schedule: "0 3 * * *", timezone: UTC, data: { job: backup } }\n` });
    expect(config.sources).toEqual([{ name: 'nightly', type: 'cron', schedule: '0 3 * * *', timezone: 'UTC', data: { job: 'backup' } }]);
  });
});
