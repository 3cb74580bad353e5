// A worker's cold start (process, sandbox, module, init()) has its own limit,
// functions.loadTimeout, apart from the invocation's timeout, which starts at the call: on a
// slow or busy machine (a 1-vCPU appliance booting, software emulation) a cold start can
// outlast a short timeout, and each retry would start cold again and fail the same way.
// Needs `npm run build`: workers run the compiled dist/processors/local/worker-main.js.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import type { Invocation, Processor } from '../../processors/processor.js';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';

const sources: Record<string, string> = {
  // Loads in 1.5 s (longer than its 1 s timeout), then answers at once.
  'slow-load': 'await new Promise((r) => setTimeout(r, 1500));\nexport default async function () { return { loaded: true }; }\n',
  // Never finishes loading.
  'never-loads': 'await new Promise(() => {});\nexport default async function () { return {}; }\n',
  // Loads at once, then runs past its 1 s timeout.
  'runs-long': 'export default async function () { await new Promise((r) => setTimeout(r, 3000)); return {}; }\n',
};

let dir: string;
let processor: Processor;
let counter = 0;

function definition(name: string): FunctionDefinition {
  const folder = join(dir, 'functions', name);
  return {
    name, runtime: 'javascript', entry: join(folder, 'index.mjs'), version: 'v1', readablePaths: [folder],
    manifest: { env: {}, timeoutMs: 1_000, memoryMb: 128, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true },
  };
}

function invocation(functionName: string): Invocation {
  counter += 1;
  return {
    invocationId: `inv-${counter}`, functionName, subscription: 'load-timeout', attempt: 1, timeoutMs: 1_000,
    event: { specversion: '1.0', id: `evt-${counter}`, source: '/test', type: 'com.example.load' },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-load-timeout-'));
  const definitions = new Map<string, FunctionDefinition>();
  for (const [name, source] of Object.entries(sources)) {
    await mkdir(join(dir, 'functions', name), { recursive: true });
    await writeFile(join(dir, 'functions', name, 'index.mjs'), source);
    definitions.set(name, definition(name));
  }
  await mkdir(join(dir, 'tmp'));
  processor = createLocalProcessor({
    functions: { get: (name) => definitions.get(name), names: () => [...definitions.keys()] },
    logger: pino({ level: 'silent' }), tmpRoot: join(dir, 'tmp'), prestartedWorkers: 0, loadTimeoutMs: 4_000,
  });
});

afterAll(async () => {
  await processor?.close(2_000);
  await rm(dir, { recursive: true, force: true });
});

describe('functions.loadTimeout', () => {
  it('does not count a slow cold start against the invocation timeout', async () => {
    const outcome = await processor.invoke(invocation('slow-load'));
    expect(outcome).toMatchObject({ ok: true, result: { loaded: true } });
  });

  it('fails a module that never finishes loading after loadTimeout, naming the setting', async () => {
    const started = Date.now();
    const outcome = await processor.invoke(invocation('never-loads'));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('SB_FUNCTION_TIMEOUT');
    expect(outcome.error.message).toContain('functions.loadTimeout, 4s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
  });

  it('still times out a function that runs past its timeout once loaded', async () => {
    const outcome = await processor.invoke(invocation('runs-long'));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('SB_FUNCTION_TIMEOUT');
    expect(outcome.error.message).toContain('ran past its 1s timeout');
  });
});
