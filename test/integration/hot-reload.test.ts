// Hot reload on the real appliance: functions, subscription files and the config's
// subscriptions are edited while it runs — with events flowing — and take effect without a
// restart; broken versions are reported with file and line while the last good one serves.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let fixture: ApplianceFixture;
let appliance: RunningAppliance;
const fnPath = (relative: string) => join(fixture.dir, 'functions', relative);

/** The worker function at `version`: reports its start and its end, sleeping between (data.sleep ms). */
const worker = (version: string) => `const version = ${JSON.stringify(version)};
export default async function (event, context) {
  const post = (fn) => fetch(${JSON.stringify('RECORDER')}, { method: 'POST', body: JSON.stringify({ fn, id: event.id, version, attempt: context.attempt }) });
  await post('worker-start');
  await new Promise((resolve) => setTimeout(resolve, (event.data && event.data.sleep) || 150));
  await post('worker');
}
`;
const reporter = (name: string) => `export default async function (event, context) {
  await fetch(${JSON.stringify('RECORDER')}, { method: 'POST', body: JSON.stringify({ fn: ${JSON.stringify(name)}, id: event.id, attempt: context.attempt }) });
}
`;
const withRecorder = (source: string) => source.replaceAll('"RECORDER"', JSON.stringify(recorder.url));

/** As editors save: a temp file beside the target, renamed over it. */
async function saveAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(temp, content);
  await rename(temp, path);
}

async function post(type: string, id: string, data: unknown = {}): Promise<number> {
  const res = await fetch(`${fixture.baseUrl}/webhooks/test`, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/tests', 'ce-type': type, 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  return res.status;
}

type Log = Record<string, unknown>;
/** The first log line from `from` on that matches. */
function logAfter(from: number, match: (line: Log) => boolean, what: string): Promise<Log> {
  return eventually(() => appliance.logs.slice(from).find(match), 20_000, what);
}
const reloaded = (from: number, check: (line: Log) => boolean, what: string) =>
  logAfter(from, (l) => l.msg === 'reloaded' && check(l), what);
const listed = (line: Log, group: 'functions' | 'subscriptions', kind: string, name: string) =>
  ((line[group] as Record<string, string[]> | undefined)?.[kind] ?? []).includes(name);

/** Wait until the catch-all subscription saw `id`: every consumer has had the event by then. */
async function seenByAll(id: string): Promise<void> {
  await eventually(() => recorder.of('all').some((i) => i.id === id), 20_000, `the catch-all to see ${id}`);
}

beforeAll(async () => {
  recorder = await startRecorder();
  fixture = await createFixture({
    functions: {},
    bus: 'ackWait: 2s',
    functionsYaml: 'maxWorkers: 8',
    yamlBody: `
sources:
  - { name: tests, type: webhook, path: /webhooks/test }
subscriptions:
  - name: work
    function: worker
    filters: [ { exact: { type: com.example.work } } ]
  - name: picky
    function: picky
    filters: [ { exact: { type: com.example.picky-a } } ]
  - name: all
    function: all
  - name: recycled
    function: recycled
    filters: [ { exact: { type: com.example.recycled } } ]
`,
  });
  await fixture.write('worker.mjs', withRecorder(worker('v1')));
  await fixture.write('picky.mjs', withRecorder(reporter('picky')));
  await fixture.write('all.mjs', withRecorder(reporter('all')));
  await fixture.write('recycled.mjs', withRecorder(worker('v1')));
  // Every invocation in a worker of its own: each loads the function's code anew.
  await fixture.write('recycled.yaml', 'maxInvocations: 1\n');
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
});

describe('hot reload', () => {
  it('changes a function while events flow: none is lost, later ones run the new version, in-flight ones finish on the old', async () => {
    const sent: string[] = [];
    let sending = true;
    let sentAfterReload: string[] | undefined;
    const sender = (async () => {
      for (let n = 0; sending; n++) {
        const id = `flow-${n}`;
        expect(await post('com.example.work', id)).toBe(202);
        sent.push(id);
        sentAfterReload?.push(id);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await eventually(() => recorder.of('worker').length >= 10, 20_000, 'v1 to process some events');
    // In flight across the change: starts on v1 now, ends long after the reload.
    expect(await post('com.example.work', 'long-1', { sleep: 3_000 })).toBe(202);
    await eventually(() => recorder.of('worker-start').some((i) => i.id === 'long-1'), 20_000, 'long-1 to start');
    const mark = appliance.logs.length;
    await saveAtomically(fnPath('worker.mjs'), withRecorder(worker('v2')));
    await reloaded(mark, (l) => listed(l, 'functions', 'changed', 'worker'), 'the reload of worker');
    sentAfterReload = [];
    await eventually(() => sentAfterReload!.length >= 30, 20_000, 'more events after the reload');
    sending = false;
    await sender;

    const done = await eventually(() => {
      const runs = recorder.of('worker');
      return sent.every((id) => runs.some((r) => r.id === id)) && runs;
    }, 30_000, 'every event sent to be processed');
    for (const id of sent) expect(done.filter((r) => r.id === id), id).toHaveLength(1);
    for (const id of sentAfterReload!) expect(done.find((r) => r.id === id)!.version, id).toBe('v2');
    expect(new Set(done.filter((r) => r.id.startsWith('flow-')).map((r) => r.version))).toEqual(new Set(['v1', 'v2']));
    const long = await eventually(() => recorder.of('worker').find((r) => r.id === 'long-1'), 20_000, 'long-1 to finish');
    expect(long).toMatchObject({ version: 'v1', attempt: 1 });
  });

  it('reports a broken version with file and line and keeps the last good one serving until it is fixed', async () => {
    let mark = appliance.logs.length;
    await saveAtomically(fnPath('worker.mjs'), 'export default async function (event) {\n  return (;\n}\n');
    const syntax = await logAfter(mark, (l) => l.level === 'error' && l.file === fnPath('worker.mjs'), 'the syntax error');
    expect(syntax).toMatchObject({ function: 'worker', line: 2, code: 'SB_FUNCTION_LOAD_FAILED' });
    expect(syntax.msg).toContain(`${fnPath('worker.mjs')}:2:`);
    expect(syntax.msg).toContain('keeps serving its last good version');
    const ready = (await (await fetch(`${fixture.baseUrl}/readyz`)).json()) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(ready.checks.find((c) => c.name === 'reload')!.detail).toContain(`${fnPath('worker.mjs')}:2:`);
    expect(await post('com.example.work', 'broken-1')).toBe(202);
    expect(await eventually(() => recorder.of('worker').find((r) => r.id === 'broken-1'), 20_000, 'broken-1')).toMatchObject({ version: 'v2' });

    // Good code now, but a manifest that is not: still v2.
    mark = appliance.logs.length;
    await saveAtomically(fnPath('worker.yaml'), 'timeout: 30s\nmemory: lots\n');
    await saveAtomically(fnPath('worker.mjs'), withRecorder(worker('v3')));
    const manifest = await logAfter(mark, (l) => l.level === 'error' && l.file === fnPath('worker.yaml'), 'the manifest problem');
    expect(manifest).toMatchObject({ function: 'worker', line: 2 });
    expect(manifest.msg).toContain(`${fnPath('worker.yaml')}:2:`);
    expect(await post('com.example.work', 'broken-2')).toBe(202);
    expect(await eventually(() => recorder.of('worker').find((r) => r.id === 'broken-2'), 20_000, 'broken-2')).toMatchObject({ version: 'v2' });

    mark = appliance.logs.length;
    await saveAtomically(fnPath('worker.yaml'), 'timeout: 30s\n');
    await reloaded(mark, (l) => listed(l, 'functions', 'changed', 'worker'), 'the fixed worker');
    expect(await post('com.example.work', 'fixed-1')).toBe(202);
    expect(await eventually(() => recorder.of('worker').find((r) => r.id === 'fixed-1'), 20_000, 'fixed-1')).toMatchObject({ version: 'v3' });
  });

  it('never runs a broken version, even in a worker started after it was saved', async () => {
    expect(await post('com.example.recycled', 'recycled-1')).toBe(202);
    expect(await eventually(() => recorder.of('worker').find((r) => r.id === 'recycled-1'), 20_000, 'recycled-1')).toMatchObject({ version: 'v1' });
    const mark = appliance.logs.length;
    await saveAtomically(fnPath('recycled.mjs'), 'export default async function (event) {\n  return {;\n}\n');
    await logAfter(mark, (l) => l.level === 'error' && l.file === fnPath('recycled.mjs'), 'the syntax error');
    for (const id of ['recycled-2', 'recycled-3']) {
      expect(await post('com.example.recycled', id)).toBe(202);
      expect(await eventually(() => recorder.of('worker').find((r) => r.id === id), 20_000, id)).toMatchObject({ version: 'v1', attempt: 1 });
    }
  });

  it('starts routing to a new function and its subscriptions file, and stops when the file is removed', async () => {
    let mark = appliance.logs.length;
    await fixture.write('newcomer.mjs', withRecorder(reporter('newcomer')));
    await saveAtomically(join(fixture.dir, 'subscriptions', 'newcomer.yaml'), '- name: newcomer\n  function: newcomer\n  filters: [ { exact: { type: com.example.new } } ]\n');
    await reloaded(mark, (l) => listed(l, 'subscriptions', 'added', 'newcomer'), 'the new subscription');
    expect(await post('com.example.new', 'new-1')).toBe(202);
    await eventually(() => recorder.of('newcomer').some((r) => r.id === 'new-1'), 20_000, 'newcomer to run');

    mark = appliance.logs.length;
    await rm(join(fixture.dir, 'subscriptions', 'newcomer.yaml'));
    await reloaded(mark, (l) => listed(l, 'subscriptions', 'removed', 'newcomer'), 'the removed subscription');
    expect(appliance.logs.slice(mark).some((l) => l.msg === 'deleted the consumer of a removed subscription' && l.subscription === 'newcomer')).toBe(true);
    expect(await post('com.example.new', 'new-2')).toBe(202);
    await seenByAll('new-2');
    expect(recorder.of('newcomer').map((r) => r.id)).toEqual(['new-1']);
  });

  it("applies an edit of the config's subscriptions, and refuses an invalid config without stopping", async () => {
    expect(await post('com.example.picky-a', 'picky-1')).toBe(202);
    await eventually(() => recorder.of('picky').some((r) => r.id === 'picky-1'), 20_000, 'picky on type a');

    const original = await readFile(fixture.configFile, 'utf8');
    let mark = appliance.logs.length;
    const invalid = `${original}\nsurprise: 1\n`;
    await writeFile(fixture.configFile, invalid);
    const refused = await logAfter(mark, (l) => l.level === 'error' && l.file === fixture.configFile, 'the config problem');
    expect(refused.line).toBe(invalid.split('\n').indexOf('surprise: 1') + 1);
    expect(refused.msg).toContain('not reloaded');
    expect(await post('com.example.picky-a', 'picky-2')).toBe(202);
    await eventually(() => recorder.of('picky').some((r) => r.id === 'picky-2'), 20_000, 'picky still on type a');

    mark = appliance.logs.length;
    await writeFile(fixture.configFile, original.replace('com.example.picky-a', 'com.example.picky-b'));
    await reloaded(mark, (l) => listed(l, 'subscriptions', 'changed', 'picky'), 'the changed filter');
    expect(await post('com.example.picky-a', 'picky-3')).toBe(202);
    expect(await post('com.example.picky-b', 'picky-4')).toBe(202);
    // At once, not at the consumer's next pull request (nats-server 2.9, see NatsBus.ensureConsumer).
    await eventually(() => recorder.of('picky').some((r) => r.id === 'picky-4'), 5_000, 'picky on type b');
    await seenByAll('picky-3');
    expect(recorder.of('picky').map((r) => r.id)).toEqual(['picky-1', 'picky-2', 'picky-4']);
  });

  it('adds a function that subscribes itself through triggers: in its manifest', async () => {
    const mark = appliance.logs.length;
    await fixture.write('triggered/index.mjs', withRecorder(reporter('triggered')));
    await fixture.write('triggered/function.yaml', 'triggers:\n  - name: triggered-sub\n    filters: [ { exact: { type: com.example.triggered } } ]\n');
    const line = await reloaded(mark, (l) => listed(l, 'subscriptions', 'added', 'triggered-sub'), 'the trigger subscription');
    expect(listed(line, 'functions', 'added', 'triggered')).toBe(true);
    expect(await post('com.example.triggered', 'trig-1')).toBe(202);
    await eventually(() => recorder.of('triggered').some((r) => r.id === 'trig-1'), 20_000, 'triggered to run');
  });
});
