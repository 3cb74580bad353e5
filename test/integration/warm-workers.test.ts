// Provisioned concurrency seen from the operator's side: a running appliance starts a
// function's minWarm workers before any event, `switchboard functions list` shows them (and
// GET /functions), and a function without minWarm has none until it is used.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';

interface Listed {
  name: string;
  runtime: string;
  minWarm: number;
  workers: { pid: number; state: string; invocations: number }[] | null;
}

let fixture: ApplianceFixture;
let appliance: RunningAppliance;

beforeAll(async () => {
  fixture = await createFixture({
    functions: {
      'ready.mjs': 'export default async () => ({ ok: true });',
      'ready.yaml': 'minWarm: 2\n',
      'lazy.mjs': 'export default async () => ({ ok: true });',
    },
    yamlBody: [
      'sources:',
      '  - { name: hooks, type: webhook, path: /hooks }',
      'subscriptions:',
      '  - { name: to-lazy, function: lazy, filters: [ { exact: { type: com.example.lazy } } ] }',
    ].join('\n'),
  });
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.stop();
  await fixture?.cleanup();
});

const list = async (): Promise<Listed[]> => {
  const result = await runCli(['functions', 'list', '--json', '--config', fixture.configFile]);
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
};

describe('warm workers', () => {
  it('starts minWarm workers at start, before any event, and functions list shows them', async () => {
    const ready = await eventually(async () => {
      const row = (await list()).find((f) => f.name === 'ready');
      return row?.workers?.length === 2 && row.workers.every((w) => w.state === 'idle') ? row : undefined;
    }, 20_000, 'two idle workers of ready');
    expect(ready.workers!.every((w) => w.invocations === 0 && w.pid > 0)).toBe(true);
    expect((await list()).find((f) => f.name === 'lazy')!.workers).toEqual([]); // scaled to zero
    const text = await runCli(['functions', 'list', '--config', fixture.configFile]);
    expect(text.stdout).toMatch(/ready {2}\(javascript, .*\n.*minWarm 2[\s\S]*workers: 2 \(\d+ idle, 0 run; \d+ idle, 0 run\)/);
    expect(text.stdout).toContain('workers: none (scaled to zero)');
  });

  it('GET /functions shows the worker a first event started', async () => {
    const response = await fetch(`${fixture.baseUrl}/hooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'lazy-1', 'ce-source': '/t', 'ce-type': 'com.example.lazy' },
      body: '{}',
    });
    expect(response.status).toBe(202);
    const lazy = await eventually(async () => {
      const body = (await (await fetch(`${fixture.baseUrl}/functions`)).json()) as { functions: Listed[] };
      const row = body.functions.find((f) => f.name === 'lazy');
      return row?.workers?.[0]?.invocations === 1 ? row : undefined;
    }, 20_000, 'the lazy function to have run once');
    expect(lazy.runtime).toBe('javascript');
    // The demo default keeps one generic worker started for the next function to adopt.
    const body = (await (await fetch(`${fixture.baseUrl}/functions`)).json()) as { prestartedWorkers: number[] };
    await eventually(async () => ((await (await fetch(`${fixture.baseUrl}/functions`)).json()) as { prestartedWorkers: number[] }).prestartedWorkers.length === 1, 20_000, 'one pre-started worker');
    expect(Array.isArray(body.prestartedWorkers)).toBe(true);
  });
});
