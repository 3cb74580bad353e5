import { describe, expect, test } from 'vitest';
import type { CodedProblem } from '../../src/config/problems.js';
import { planFunctions, problemsByFunction } from '../../src/reload/function-changes.js';
import { createFunctionCatalog } from '../../src/runtime/function-registry.js';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';

const dir = '/srv/functions';

function fn(name: string, version: string, extra: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name, runtime: 'javascript', entry: `${dir}/${name}/index.mjs`, version, readablePaths: [`${dir}/${name}`],
    manifest: { env: {}, timeoutMs: 60_000, memoryMb: 256, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true },
    ...extra,
  };
}

function problem(file: string, line = 1): CodedProblem {
  return { file, line, column: 1, path: '', message: 'broken', code: 'SB_FUNCTION_MANIFEST_INVALID' };
}

describe('which function a problem is about', () => {
  test('is the first path segment under the functions folder, a file without its extension', () => {
    const { byName, folder } = problemsByFunction([
      problem(`${dir}/notify.yaml`, 3),
      problem(`${dir}/notify.js`, 7),
      problem(`${dir}/enrich/function.yaml`),
      problem(`${dir}/enrich`),
      problem(`${dir}/bin-tool`),
      problem('/etc/switchboard/switchboard.yaml'),
    ], dir);
    expect([...byName.keys()].sort()).toEqual(['bin-tool', 'enrich', 'notify']);
    expect(byName.get('notify')!.map((p) => p.line)).toEqual([3, 7]);
    expect(byName.get('enrich')).toHaveLength(2);
    expect(folder.map((p) => p.file)).toEqual(['/etc/switchboard/switchboard.yaml']);
  });
});

describe('planning a reload of the functions folder', () => {
  const current = new Map([['same', fn('same', 'v1')], ['edited', fn('edited', 'v1')], ['gone', fn('gone', 'v1')], ['broken', fn('broken', 'v1')]]);

  test('keeps unchanged functions, loads new and changed ones, removes the ones that are gone', () => {
    const scanned = createFunctionCatalog([fn('same', 'v1'), fn('edited', 'v2'), fn('broken', 'v1'), fn('fresh', 'v1')]);
    const plan = planFunctions(current, scanned, new Map());
    expect(plan.unchanged).toEqual(['broken', 'same']);
    expect(plan.candidates.map((c) => `${c.name}@${c.version}`)).toEqual(['edited@v2', 'fresh@v1']);
    expect(plan.removed).toEqual(['gone']);
    expect(plan.broken).toEqual([]);
  });

  test('a function with a problem keeps its last good version; a new broken one is not loaded', () => {
    // A broken manifest still lists the function (with default settings): it must not replace the good one.
    const scanned = createFunctionCatalog([fn('same', 'v1'), fn('edited', 'v1'), fn('broken', 'v2'), fn('new-broken', 'v1')]);
    const problems = new Map([['broken', [problem(`${dir}/broken/function.yaml`, 4)]], ['new-broken', [problem(`${dir}/new-broken/function.yaml`)]]]);
    const plan = planFunctions(current, scanned, problems);
    expect(plan.broken.map((b) => [b.name, b.kept])).toEqual([['broken', true], ['new-broken', false]]);
    expect(plan.candidates).toEqual([]);
    expect(plan.removed).toEqual(['gone']);
  });

  test('a function that vanished with a problem (a folder left without its entry) is broken, not removed', () => {
    const scanned = createFunctionCatalog([fn('same', 'v1'), fn('edited', 'v1'), fn('broken', 'v1')]);
    const plan = planFunctions(current, scanned, new Map([['gone', [problem(`${dir}/gone`)]]]));
    expect(plan.broken).toEqual([{ name: 'gone', problems: [problem(`${dir}/gone`)], kept: true }]);
    expect(plan.removed).toEqual([]);
  });

  test('a changed manifest with the same files is a change', () => {
    const edited = fn('same', 'v1', { manifest: { ...fn('same', 'v1').manifest, timeoutMs: 5_000 } });
    const plan = planFunctions(new Map([['same', fn('same', 'v1')]]), createFunctionCatalog([edited]), new Map());
    expect(plan.candidates).toEqual([edited]);
  });
});
