// The local processor with real forked, sandboxed worker processes: the contract a function
// sees, its failures staying its own, and the sandbox refusing what it should.
// Needs `npm run build`: workers run the compiled dist/processors/local/worker-main.js.

import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import { workerMainPath } from '../../processors/local/worker-main-path.js';
import type { Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionCatalog, FunctionDefinition, FunctionManifest } from '../../src/runtime/function-definition.js';

const fixtures = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
const workerMainSource = fileURLToPath(new URL('../../processors/local/worker-main.ts', import.meta.url));

function definition(dir: string, name: string, manifest: Partial<FunctionManifest> = {}): FunctionDefinition {
  const folder = join(dir, name);
  const entry = ['index.mjs', 'index.js'].map((f) => join(folder, f)).find((f) => existsSync(f));
  if (!entry) throw new Error(`fixture ${name} has no index file`);
  return { name, runtime: 'javascript', entry, version: 'v1', readablePaths: [folder], manifest: { env: {}, timeoutMs: 10_000, memoryMb: 128, triggers: [], secrets: [], minWarm: 0, idleTimeoutMs: 300_000, maxInvocations: 0, network: true, ...manifest } };
}

function catalogOf(definitions: FunctionDefinition[]): FunctionCatalog {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  return { get: (name) => byName.get(name), names: () => [...byName.keys()] };
}

let counter = 0;
function invocation(functionName: string, data: Record<string, unknown> = {}, timeoutMs = 10_000): Invocation {
  counter += 1;
  return {
    invocationId: `inv-${counter}`,
    functionName,
    subscription: 'vm-events',
    event: { specversion: '1.0', id: `evt-${counter}`, source: '/vc-lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', data },
    attempt: 2,
    timeoutMs,
  };
}

function value(outcome: InvocationOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as Record<string, unknown>;
}

function errorOf(outcome: InvocationOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

let functionsDir: string;
let tmpRoot: string;
let processor: Processor;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  // Set before any worker forks: no function may see it.
  process.env.SB_TEST_CANARY = 'appliance-secret';
  const built = workerMainPath();
  if (!existsSync(built) || (await stat(built)).mtimeMs < (await stat(workerMainSource)).mtimeMs) {
    throw new Error(`${built} is missing or older than its source: run \`npm run build\` first`);
  }
  // A copy outside the project, as on an appliance: no package.json above the functions.
  functionsDir = await mkdtemp(join(tmpdir(), 'sb-functions-'));
  await cp(fixtures, functionsDir, { recursive: true });
  tmpRoot = await mkdtemp(join(tmpdir(), 'sb-workers-'));
  const names = ['echo', 'esm-in-js', 'commonjs', 'thrower', 'spin', 'sandbox', 'broken', 'no-default', 'chatty', 'slow', 'unsendable'];
  const definitions = names.map((name) => definition(functionsDir, name, name === 'echo' || name === 'sandbox' ? { env: { GREETING: 'hello' } } : {}));
  definitions.push(definition(functionsDir, 'hog', { memoryMb: 64 }));
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  processor = createLocalProcessor({ functions: catalogOf(definitions), logger, tmpRoot, maxWorkersPerFunction: 2 });
});

afterAll(async () => {
  delete process.env.SB_TEST_CANARY;
  await processor?.close(1000);
  if (tmpRoot) expect(await readdir(tmpRoot)).toEqual([]); // every worker's temp dir removed
  await Promise.all([functionsDir, tmpRoot].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

describe('local processor', () => {
  it('runs a function with the event and the Lambda-style context, and returns its value', async () => {
    const inv = invocation('echo', { vm: 'web-01' });
    const before = Date.now();
    const result = value(await processor.invoke(inv));
    expect(result.event).toEqual(inv.event);
    expect(result.eventFrozen).toBe(true);
    const context = result.context as Record<string, unknown>;
    expect(context).toMatchObject({ functionName: 'echo', invocationId: inv.invocationId, attempt: 2, logMethods: ['debug', 'error', 'info', 'warn'] });
    expect(context.deadline).toBeGreaterThanOrEqual(before + 10_000);
    expect(context.remainingTimeMs).toBeGreaterThan(9_000);
    expect(result.cwd).toBe(join(functionsDir, 'echo'));
  });

  it('loads ES modules from .mjs and .js, and CommonJS from .js', async () => {
    expect(value(await processor.invoke(invocation('esm-in-js')))).toMatchObject({ format: 'esm-in-js', file: 'index.js' });
    expect(value(await processor.invoke(invocation('commonjs')))).toMatchObject({ format: 'commonjs', file: 'index.js' });
  });

  it('loads CommonJS .js even under a package.json that says "type": "module"', async () => {
    // The fixtures folder itself sits in this project, whose package.json is "type": "module".
    const local = createLocalProcessor({ functions: catalogOf([definition(fixtures, 'commonjs')]), logger: pino({ level: 'silent' }), tmpRoot });
    try {
      expect(value(await local.invoke(invocation('commonjs')))).toMatchObject({ format: 'commonjs' });
    } finally {
      await local.close(1000);
    }
  });

  it('runs a single-file function that may read only that file', async () => {
    const file = join(functionsDir, 'echo', 'index.mjs');
    const single: FunctionDefinition = { ...definition(functionsDir, 'echo'), name: 'single', readablePaths: [file] };
    const local = createLocalProcessor({ functions: catalogOf([single]), logger: pino({ level: 'silent' }), tmpRoot });
    try {
      expect(value(await local.invoke(invocation('single')))).toMatchObject({ context: { functionName: 'single' } });
    } finally {
      await local.close(1000);
    }
  });

  it('fails an invocation that throws with its message and stack, and keeps the worker warm', async () => {
    const first = value(await processor.invoke(invocation('thrower')));
    const failed = errorOf(await processor.invoke(invocation('thrower', { fail: true, vm: 'web-01' })));
    expect(failed.code).toBe('SB_FUNCTION_FAILED');
    expect(failed.message).toContain('vCenter said no to web-01');
    expect(failed.stack).toContain('thrower/index.mjs');
    expect(value(await processor.invoke(invocation('thrower'))).worker).toBe(first.worker);
  });

  it('kills an endless loop at its timeout while another function carries on', async () => {
    const finished: string[] = [];
    const spinning = processor.invoke(invocation('spin', {}, 1000)).then((o) => { finished.push('spin'); return o; });
    const echoed = await processor.invoke(invocation('echo'));
    finished.push('echo');
    const spun = errorOf(await spinning);
    expect(echoed.ok).toBe(true);
    expect(finished).toEqual(['echo', 'spin']);
    expect(spun.code).toBe('SB_FUNCTION_TIMEOUT');
    expect(spun.message).toContain('function spin ran past its 1s timeout and was killed');
  });

  it('reports running out of memory as a crash, and the next invocation runs on a fresh worker', async () => {
    const before = value(await processor.invoke(invocation('hog')));
    const crashed = errorOf(await processor.invoke(invocation('hog', { hog: true }, 30_000)));
    expect(crashed.code).toBe('SB_FUNCTION_CRASHED');
    expect(crashed.message).toContain('exceeded its memory limit of 64 MB');
    const after = value(await processor.invoke(invocation('hog')));
    expect(after.worker).not.toBe(before.worker);
  });

  it('fails to load a module with a syntax error, naming the file and line', async () => {
    const failed = errorOf(await processor.invoke(invocation('broken')));
    expect(failed.code).toBe('SB_FUNCTION_LOAD_FAILED');
    expect(failed.message).toContain(join(functionsDir, 'broken', 'index.mjs'));
    expect(failed.message).toContain('SyntaxError');
    expect(failed.message).toContain('index.mjs:4');
  });

  it('fails to load a module without a default export function', async () => {
    const failed = errorOf(await processor.invoke(invocation('no-default')));
    expect(failed.code).toBe('SB_FUNCTION_LOAD_FAILED');
    expect(failed.message).toContain(join(functionsDir, 'no-default', 'index.mjs'));
    expect(failed.message).toContain('no default export function');
  });

  it('answers an unknown function with SB_FUNCTION_NOT_FOUND', async () => {
    expect(errorOf(await processor.invoke(invocation('nope'))).code).toBe('SB_FUNCTION_NOT_FOUND');
  });

  it('sends a result structured clone refuses as JSON', async () => {
    expect(value(await processor.invoke(invocation('unsendable')))).toEqual({ status: 'ok' });
  });

  it('logs context.log and console lines with function, invocation, event id and subscription', async () => {
    const inv = invocation('chatty', { vm: 'web-01' });
    expect(value(await processor.invoke(inv))).toBe('done');
    const mine = logLines.filter((l) => l.invocationId === inv.invocationId);
    expect(mine.map((l) => l.msg)).toEqual(['powering off', 'console says hello', 'plain warning']);
    for (const line of mine) expect(line).toMatchObject({ function: 'chatty', eventId: inv.event.id, subscription: 'vm-events' });
    expect(mine[0]).toMatchObject({ vm: 'web-01', level: 30 });
    expect(mine[2]).toMatchObject({ level: 40 });
  });

  it("runs no more invocations of a function at once than its manifest's concurrency", async () => {
    const local = createLocalProcessor({ functions: catalogOf([definition(functionsDir, 'slow', { concurrency: 1 })]), logger: pino({ level: 'silent' }), tmpRoot, maxWorkersPerFunction: 4 });
    try {
      const outcomes = await Promise.all([1, 2, 3].map(() => local.invoke(invocation('slow', { ms: 100 }))));
      expect(new Set(outcomes.map((o) => value(o).worker)).size).toBe(1);
    } finally {
      await local.close(0);
    }
  });

  it('runs 4 parallel invocations on at most 2 workers', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => processor.invoke(invocation('slow', { ms: 300 }))));
    const pids = new Set(outcomes.map((o) => value(o).worker));
    expect(pids.size).toBe(2);
  });
});

describe('local processor sandbox', () => {
  let server: Server;
  let url: string;
  const probe = async (data: Record<string, unknown>) => value(await processor.invoke(invocation('sandbox', data)));

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses reading /etc/passwd', async () => {
    expect(await probe({ probe: 'read', path: '/etc/passwd' })).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
  });

  it("refuses reading another function's folder, allows its own", async () => {
    expect(await probe({ probe: 'read', path: join(functionsDir, 'echo', 'index.mjs') })).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
    expect(await probe({ probe: 'read', path: join(functionsDir, 'sandbox', 'index.mjs') })).toMatchObject({ allowed: true });
  });

  it('refuses writing outside its temp dir, allows writing in TMPDIR', async () => {
    for (const path of [join(functionsDir, 'sandbox', 'escaped.txt'), join(tmpdir(), 'sb-escaped.txt'), join(tmpRoot, 'escaped.txt')]) {
      expect(await probe({ probe: 'write', path })).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
      expect(existsSync(path)).toBe(false);
    }
    expect(await probe({ probe: 'writeTmp' })).toEqual({ allowed: true, value: 'ok' });
  });

  it('refuses starting child processes and worker threads', async () => {
    expect(await probe({ probe: 'spawn' })).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
    expect(await probe({ probe: 'worker' })).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
  });

  it("sees exactly its manifest's env and TMPDIR, nothing of the appliance's", async () => {
    expect(process.env.SB_TEST_CANARY).toBe('appliance-secret');
    const { value: env } = await probe({ probe: 'env' });
    expect(Object.keys(env as object).sort()).toEqual(['GREETING', 'TMPDIR']);
    expect(env).toMatchObject({ GREETING: 'hello', TMPDIR: expect.stringContaining(tmpRoot) });
  });

  it('cannot signal the appliance or any process outside its own sandbox (bubblewrap PID namespace)', async () => {
    // The test process stands in for the appliance: a function must not be able to kill it.
    expect(await probe({ probe: 'signal', pid: process.pid })).toMatchObject({ allowed: false, code: 'ESRCH' });
    expect(await probe({ probe: 'signal', pid: process.ppid })).toMatchObject({ allowed: false, code: 'ESRCH' });
  });

  it('allows outbound network calls', async () => {
    expect(await probe({ probe: 'fetch', url })).toEqual({ allowed: true, value: 'pong' });
  });

  it('cannot reach the network at all when its manifest says network: false', async () => {
    const offline = createLocalProcessor({
      functions: catalogOf([{ ...definition(functionsDir, 'sandbox', { network: false }), name: 'offline' }]),
      logger: pino({ level: 'silent' }),
      tmpRoot,
    });
    try {
      const outcome = value(await offline.invoke(invocation('offline', { probe: 'fetch', url })));
      expect(outcome).toMatchObject({ allowed: false });
    } finally {
      await offline.close(0);
    }
  });
});

describe('local processor shutdown', () => {
  it('refuses new invocations, stops running ones after the grace period and removes temp dirs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sb-close-'));
    const local = createLocalProcessor({ functions: catalogOf([definition(functionsDir, 'spin'), definition(functionsDir, 'echo')]), logger: pino({ level: 'silent' }), tmpRoot: root });
    try {
      expect(value(await local.invoke(invocation('echo'))).worker).toBeTypeOf('string');
      const spinning = local.invoke(invocation('spin', {}, 60_000));
      const closed = local.close(300);
      const refused = errorOf(await local.invoke(invocation('echo')));
      expect(refused.message).toContain('shutting down');
      const stopped = errorOf(await spinning);
      expect(stopped.code).toBe('SB_FUNCTION_CRASHED');
      expect(stopped.message).toContain('function spin was stopped because the appliance is shutting down');
      await closed;
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('local processor lifecycle', () => {
  const withProcessor = async (manifest: Partial<FunctionManifest>, work: (p: ReturnType<typeof createLocalProcessor>) => Promise<void>) => {
    const root = await mkdtemp(join(tmpdir(), 'sb-life-'));
    const local = createLocalProcessor({ functions: catalogOf([definition(functionsDir, 'thrower', manifest)]), logger: pino({ level: 'silent' }), tmpRoot: root });
    try {
      await work(local);
    } finally {
      await local.close(0);
      await rm(root, { recursive: true, force: true });
    }
  };
  const workerOf = async (p: ReturnType<typeof createLocalProcessor>) => value(await p.invoke(invocation('thrower'))).worker;
  const idle = (ms: number) => new Promise((r) => setTimeout(r, ms)); // idleness is what is under test

  it('recycles a worker after maxInvocations', async () => {
    await withProcessor({ maxInvocations: 2 }, async (p) => {
      const [a, b, c] = [await workerOf(p), await workerOf(p), await workerOf(p)];
      expect(b).toBe(a);
      expect(c).not.toBe(a);
    });
  });

  it('lets an idle worker exit after idleTimeout (scale to zero), and the next invocation starts a fresh one', async () => {
    await withProcessor({ idleTimeoutMs: 150 }, async (p) => {
      const first = await workerOf(p);
      expect(await workerOf(p)).toBe(first); // warm while used
      await idle(600);
      expect(await workerOf(p)).not.toBe(first);
    });
  });

  const workersNow = (p: ReturnType<typeof createLocalProcessor>) => p.status().find((s) => s.function === 'thrower')?.workers ?? [];
  const waitFor = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await idle(50);
    }
  };

  it('starts minWarm workers before any event (provisioned concurrency), and the first invocation runs on one of them', async () => {
    await withProcessor({ minWarm: 2 }, async (p) => {
      await p.warm();
      const warm = workersNow(p);
      expect(warm.map((w) => [w.state, w.invocations])).toEqual([['idle', 0], ['idle', 0]]);
      await workerOf(p);
      const after = workersNow(p);
      expect(after.map((w) => w.pid).sort()).toEqual(warm.map((w) => w.pid).sort()); // no new process
      expect(after.map((w) => w.invocations).sort()).toEqual([0, 1]);
    });
  });

  it('replaces a warm worker that crashed or was killed, and one recycled after maxInvocations', async () => {
    await withProcessor({ minWarm: 1, maxInvocations: 2 }, async (p) => {
      await p.warm();
      const [first] = workersNow(p);
      process.kill(first!.pid!, 'SIGKILL'); // an operator, or the kernel's OOM killer
      await waitFor(() => workersNow(p).some((w) => w.pid !== first!.pid && w.state === 'idle'), 'a replacement worker');
      const second = workersNow(p)[0]!;
      await workerOf(p);
      await workerOf(p); // its second invocation: recycled, and minWarm provisions another
      await waitFor(() => workersNow(p).some((w) => w.pid !== second.pid && w.state === 'idle'), 'the recycled worker\'s replacement');
      expect(workersNow(p)).toHaveLength(1);
    });
  });

  it('scales to zero: idle workers exit, status shows none, the next event starts one', async () => {
    await withProcessor({ idleTimeoutMs: 150 }, async (p) => {
      await workerOf(p);
      expect(workersNow(p)).toHaveLength(1);
      await waitFor(() => workersNow(p).length === 0, 'the idle worker to exit');
      await workerOf(p);
      expect(workersNow(p)).toHaveLength(1);
    });
  });

  it('does not keep forking a minWarm function that cannot load, and its invocations still get their own outcome', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sb-life-'));
    const local = createLocalProcessor({ functions: catalogOf([definition(functionsDir, 'broken', { minWarm: 2 })]), logger: pino({ level: 'silent' }), tmpRoot: root });
    try {
      await local.warm();
      await idle(300);
      expect(local.status().find((s) => s.function === 'broken')?.workers ?? []).toEqual([]);
      expect(errorOf(await local.invoke(invocation('broken'))).code).toBe('SB_FUNCTION_LOAD_FAILED');
    } finally {
      await local.close(0);
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps minWarm workers however long they are idle', async () => {
    await withProcessor({ idleTimeoutMs: 150, minWarm: 1 }, async (p) => {
      const first = await workerOf(p);
      await idle(600);
      expect(await workerOf(p)).toBe(first);
    });
  });
});

describe('local processor lifecycle hooks', () => {
  it('runs init() once per worker before the first invocation, and shutdown() when an idle worker retires', async () => {
    const reports: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        reports.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const root = await mkdtemp(join(tmpdir(), 'sb-hooks-'));
    const local = createLocalProcessor({
      functions: catalogOf([definition(functionsDir, 'lifecycle', { idleTimeoutMs: 150 })]),
      logger: pino({ level: 'silent' }),
      tmpRoot: root,
    });
    try {
      expect(value(await local.invoke(invocation('lifecycle', { url }))).inits).toBe(1);
      expect(value(await local.invoke(invocation('lifecycle', { url }))).inits).toBe(1);
      const deadline = Date.now() + 10_000;
      while (!reports.includes('shutdown') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(reports).toEqual(['shutdown']);
    } finally {
      await local.close(0);
      server.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
