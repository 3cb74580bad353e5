// A fast function under load gets its waiting invocations in batches (worker-pool.ts): one
// IPC message, run in order, one at a time. What an operator relies on: every event still
// gets its own outcome, a function never runs two invocations at once in one worker, and an
// event queued behind one that killed the worker is run elsewhere, not failed.
// Needs `npm run build`: workers run the compiled dist/processors/local/worker-main.js.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import type { Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';

const orderedSource = `
let running = false;
let seq = 0;
const instance = Math.random().toString(36).slice(2);
// How many calls each 'invoke' message from the appliance carried, as this worker saw them.
const messages = [];
process.on('message', (m) => { if (m && m.type === 'invoke') messages.push(m.calls.length); });
export default async function ordered(event) {
  if (running) throw new Error('two invocations ran at once in one worker');
  running = true;
  try {
    if (event.data.crash) process.exit(3);
    if (event.data.hang) await new Promise(() => {});
    await Promise.resolve();
    return { seq: seq++, pid: instance, id: event.id, messages: [...messages] };
  } finally {
    running = false;
  }
}
`;

let dir: string;
let processor: Processor;

function definition(): FunctionDefinition {
  const folder = join(dir, 'functions', 'ordered');
  return {
    name: 'ordered', runtime: 'javascript', entry: join(folder, 'index.mjs'), version: 'v1', readablePaths: [folder],
    manifest: { env: {}, timeoutMs: 10_000, memoryMb: 128, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true },
  };
}

let counter = 0;
function invocation(data: Record<string, unknown> = {}, timeoutMs = 10_000): Invocation {
  counter += 1;
  return {
    invocationId: `inv-${counter}`, functionName: 'ordered', subscription: 'load', attempt: 1, timeoutMs,
    event: { specversion: '1.0', id: `evt-${counter}`, source: '/test', type: 'com.example.load', data },
  };
}

const okValue = (o: InvocationOutcome) => (o.ok ? (o.result as { seq: number; pid: string; id: string; messages: number[] }) : undefined);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-batches-'));
  await mkdir(join(dir, 'functions', 'ordered'), { recursive: true });
  await writeFile(join(dir, 'functions', 'ordered', 'index.mjs'), orderedSource);
  await mkdir(join(dir, 'tmp'));
  const fn = definition();
  processor = createLocalProcessor({
    functions: { get: (name) => (name === 'ordered' ? fn : undefined), names: () => ['ordered'] },
    logger: pino({ level: 'silent' }), tmpRoot: join(dir, 'tmp'), maxWorkersPerFunction: 1, prestartedWorkers: 0,
  });
});

afterAll(async () => {
  await processor?.close(2_000);
  await rm(dir, { recursive: true, force: true });
});

describe('a fast function under load', () => {
  it('gets waiting invocations several to a message, runs them one at a time in order, and answers each', async () => {
    const warm = okValue(await processor.invoke(invocation())); // the pool learns it is fast
    expect(warm).toBeDefined();
    const invocations = Array.from({ length: 60 }, () => invocation());
    const outcomes = await Promise.all(invocations.map((i) => processor.invoke(i)));
    const values = outcomes.map(okValue);
    expect(values.every((v) => v !== undefined)).toBe(true);
    expect(values.map((v) => v!.id)).toEqual(invocations.map((i) => i.event.id)); // each its own answer
    const seqs = values.map((v) => v!.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in arrival order
    expect(new Set(values.map((v) => v!.pid)).size).toBe(1); // one worker (maxWorkers 1)
    const messages = values.at(-1)!.messages.slice(warm!.messages.length); // those of the 60
    expect(messages.reduce((a, b) => a + b, 0), JSON.stringify(messages)).toBe(60);
    expect(Math.max(...messages)).toBeGreaterThan(1); // batched
    expect(messages.length).toBeLessThan(60);
  });

  it('runs the events queued behind one that crashed the worker on a new worker, and fails only that one', async () => {
    await processor.invoke(invocation());
    const invocations = Array.from({ length: 30 }, (_, n) => invocation(n === 10 ? { crash: true } : {}));
    const outcomes = await Promise.all(invocations.map((i) => processor.invoke(i)));
    const failed = outcomes.flatMap((o, n) => (o.ok ? [] : [{ n, code: o.error.code }]));
    expect(failed).toEqual([{ n: 10, code: 'SB_FUNCTION_CRASHED' }]);
    const pids = new Set(outcomes.map(okValue).flatMap((v) => (v ? [v.pid] : [])));
    expect(pids.size, JSON.stringify(outcomes.map(okValue).map((v) => v && [v.pid, v.seq]))).toBe(2); // the events after the crash ran on its replacement
  });

  it('times out only the invocation that hangs; the ones queued behind it run on a new worker', async () => {
    await processor.invoke(invocation());
    const invocations = Array.from({ length: 20 }, (_, n) => invocation(n === 5 ? { hang: true } : {}, n === 5 ? 500 : 10_000));
    const outcomes = await Promise.all(invocations.map((i) => processor.invoke(i)));
    const failed = outcomes.flatMap((o, n) => (o.ok ? [] : [{ n, code: o.error.code }]));
    expect(failed).toEqual([{ n: 5, code: 'SB_FUNCTION_TIMEOUT' }]);
  });
});
