// Every case of every file of the official CESQL TCK (../shared/tck/cesql, README.md there),
// read at run time: one test per case, one describe per file.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CesqlParseError, compileCesql, type CesqlErrorKind } from '../../src/filters/cesql/index.js';

interface TckCase {
  name: string;
  expression: string;
  result?: boolean | number | string;
  error?: CesqlErrorKind;
  event?: Record<string, unknown>;
  eventOverrides?: Record<string, unknown>;
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const candidates = [join(projectRoot, '../shared/tck/cesql'), '/work/shared/tck/cesql'];
const tckDirectory = candidates.find((dir) => existsSync(dir));

// "If absent, when testing the expression, any valid event can be passed": a valid event with
// only the required attributes, so optional ones and extensions are missing unless overridden.
const defaultEvent = { specversion: '1.0', id: 'tck-id', source: 'https://tck.example/source', type: 'io.cloudevents.tck' };

if (tckDirectory === undefined) {
  it('finds the CESQL TCK', () => {
    expect.fail(`the CESQL TCK is not in any of ${candidates.join(', ')}: the conformance suite cannot run without it`);
  });
} else {
  const files = readdirSync(tckDirectory).filter((f) => f.endsWith('.yaml')).sort();

  it('finds the TCK files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const suite = readSuite(join(tckDirectory, file));
    describe(`${file}: ${suite.name}`, () => {
      it('has test cases', () => expect(suite.tests.length).toBeGreaterThan(0));
      for (const testCase of suite.tests) it(testCase.name, () => runCase(testCase));
    });
  }
}

function readSuite(path: string): { name: string; tests: TckCase[] } {
  const text = readFileSync(path, 'utf8');
  // YAML 1.2 core schema (the yaml package's default) for results and events: a time such as
  // 2018-04-26T14:48:09+02:00 stays a string. Expressions are read as written, with the failsafe
  // schema, since `expression: TRUE` or `expression: -10` would otherwise become a boolean or number.
  const typed = parseYaml(text) as { name: string; tests: TckCase[] };
  const verbatim = parseYaml(text, { schema: 'failsafe' }) as { tests: Array<{ expression: string }> };
  return { name: typed.name, tests: typed.tests.map((t, i) => ({ ...t, expression: verbatim.tests[i]!.expression })) };
}

function runCase(testCase: TckCase): void {
  if (testCase.error === 'parse') {
    expect(() => compileCesql(testCase.expression)).toThrow(CesqlParseError);
    return;
  }
  const compiled = compileCesql(testCase.expression);
  const event = testCase.event ?? { ...defaultEvent, ...testCase.eventOverrides };
  const { value, errors } = compiled.evaluate(event);
  if (testCase.error === undefined) {
    expect(errors).toEqual([]);
  } else {
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.kind)).toEqual(errors.map(() => testCase.error));
  }
  if ('result' in testCase) expect(value).toBe(testCase.result);
}
