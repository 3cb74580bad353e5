import { describe, expect, test } from 'vitest';
import type { SourceType } from '../../sources/source.js';
import { checkSourceConfigs } from '../../src/config/source-checks.js';
import type { SourceConfig } from '../../src/config/types.js';
import { parseYaml } from '../../src/config/yaml-file.js';

// A source type whose checks the schema cannot express: `every` must name a weekday.
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'];
const chime: SourceType<{ name: string; every?: string; at?: { hour?: number } }> = {
  schema: { type: 'object' },
  validate: (config) => [
    ...(config.every !== undefined && !weekdays.includes(config.every) ? [{ path: ['every'], message: `"${config.every}" is not a weekday` }] : []),
    ...(config.at?.hour !== undefined && config.at.hour > 23 ? [{ path: ['at', 'hour'], message: 'expected an hour from 0 to 23' }] : []),
  ],
  create: () => { throw new Error('not used'); },
};
const plain: SourceType<never> = { schema: { type: 'object' }, create: () => { throw new Error('not used'); } };
const types = { chime: chime as SourceType<never>, plain };

function check(text: string) {
  const { yaml } = parseYaml('/etc/switchboard/switchboard.yaml', text);
  const sources = (yaml.doc.toJS() as { sources: SourceConfig[] }).sources;
  return checkSourceConfigs(yaml, sources, types);
}

describe('source checks beyond the schema', () => {
  test("each problem a source type's validate returns is reported at its key's line and column", () => {
    const problems = check([
      'apiVersion: switchboard/v1',
      'sources:',
      '  - name: quiet',
      '    type: plain',
      '  - name: gong',
      '    type: chime',
      '    every: sun',
      '    at:',
      '      hour: 25',
      '',
    ].join('\n'));
    expect(problems).toEqual([
      { file: '/etc/switchboard/switchboard.yaml', line: 7, column: 12, path: 'sources[1].every', message: '"sun" is not a weekday', code: 'SB_CONFIG_INVALID' },
      { file: '/etc/switchboard/switchboard.yaml', line: 9, column: 13, path: 'sources[1].at.hour', message: 'expected an hour from 0 to 23', code: 'SB_CONFIG_INVALID' },
    ]);
  });

  test('a valid entry, and a type without validate, give no problems', () => {
    expect(check('sources:\n  - { name: a, type: chime, every: mon }\n  - { name: b, type: plain, every: never }\n')).toEqual([]);
  });

  test('a problem about a key that is not written points at the entry that lacks it', () => {
    const lazy: SourceType<never> = { schema: {}, validate: () => [{ path: ['zone'], message: 'needs a zone' }], create: () => { throw new Error('not used'); } };
    const { yaml } = parseYaml('f.yaml', 'sources:\n  - name: a\n    type: lazy\n');
    const problems = checkSourceConfigs(yaml, (yaml.doc.toJS() as { sources: SourceConfig[] }).sources, { lazy });
    expect(problems).toEqual([{ file: 'f.yaml', line: 2, column: 5, path: 'sources[0].zone', message: 'needs a zone', code: 'SB_CONFIG_INVALID' }]);
  });
});
