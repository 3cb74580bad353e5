// TypeScript functions end to end: found by the registry, compiled by the appliance, run in
// real sandboxed workers; a syntax error reported with file and line by the processor,
// `switchboard validate` and `switchboard start`.
// Needs `npm run build`: workers and the CLI run from dist/.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import { workerMainPath } from '../../processors/local/worker-main-path.js';
import type { Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionsConfig } from '../../src/config/types.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';
import { createFixture, eventually, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';

const functions: Record<string, string> = {
  // A single file with types, an interface and a generic; it logs through context.
  'typed.ts': `
interface VmEvent { data: { vm: string; cpus: number } }
interface Context { functionName: string; log: { info(msg: string): void } }
const twice = <T,>(x: T): T[] => [x, x];
export default async function (event: VmEvent, context: Context): Promise<Record<string, unknown>> {
  context.log.info(\`sizing \${event.data.vm}\`);
  return { vm: event.data.vm, cpus: twice<number>(event.data.cpus), fn: context.functionName };
}
`,
  // A folder: index.ts imports ./lib.ts (which imports ./units) and reads a file beside it.
  'folder/index.ts': `
import { readFile } from 'node:fs/promises';
import { describe } from './lib.ts';
export default async (event: { data: { gb: number } }) => ({
  text: describe(event.data.gb),
  note: (await readFile(new URL('./note.txt', import.meta.url), 'utf8')).trim(),
  cwdNote: (await readFile('note.txt', 'utf8')).trim(),
});
`,
  'folder/lib.ts': "import { unit } from './units';\nexport function describe(gb: number): string { return `${gb} ${unit}`; }\n",
  'folder/units.ts': "export const unit: string = 'GiB';\n",
  'folder/note.txt': 'read from its own folder\n',
  'modern.mts': "export default async (): Promise<string> => 'from .mts';\n",
  // init() runs once per worker; maxInvocations 1 recycles the worker after each invocation.
  'with-init.ts': `
let connected: string | undefined;
let calls = 0;
export async function init(): Promise<void> { connected = 'ready'; }
export default async () => ({ connected, calls: ++calls });
`,
  'with-init.yaml': 'maxInvocations: 1\n',
  'thrower.ts': `type Reason = string;

export default async function (): Promise<never> {
  const reason: Reason = 'no VM in the event';
  throw new Error(reason);
}
`,
  'broken.ts': 'export default async function (event: unknown) {\n  const answer: number = ;\n  return answer;\n}\n',
  // It may read only its own file: not another function's.
  'nosy.ts': "import { readFileSync } from 'node:fs';\nexport default () => readFileSync(new URL('./folder/note.txt', import.meta.url), 'utf8');\n",
};
const brokenLine = 2;
const throwLine = 5;

let functionsDir: string;
let tmpRoot: string;
let processor: Processor;
const logLines: Array<Record<string, unknown>> = [];

async function writeFunctions(dir: string): Promise<void> {
  for (const [path, text] of Object.entries(functions)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

let counter = 0;
function invocation(functionName: string, data: Record<string, unknown> = {}): Invocation {
  counter += 1;
  return {
    invocationId: `ts-inv-${counter}`, functionName, subscription: 'ts-test', attempt: 1, timeoutMs: 10_000,
    event: { specversion: '1.0', id: `ts-evt-${counter}`, source: '/test', type: 'com.example.test', data },
  };
}

function value(outcome: InvocationOutcome): unknown {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}

function errorOf(outcome: InvocationOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

async function compiledModules(): Promise<string[]> {
  const [cacheDir] = (await readdir(tmpRoot)).filter((n) => n.startsWith('switchboard-typescript-'));
  return cacheDir ? (await readdir(join(tmpRoot, cacheDir))).sort() : [];
}

beforeAll(async () => {
  if (!existsSync(workerMainPath())) throw new Error('run `npm run build` first');
  functionsDir = await mkdtemp(join(tmpdir(), 'sb-ts-functions-'));
  tmpRoot = await mkdtemp(join(tmpdir(), 'sb-ts-workers-'));
  await writeFunctions(functionsDir);
  const config = { dir: functionsDir, defaultTimeoutMs: 10_000, defaultMemoryMb: 128, maxWorkersPerFunction: 2, maxChainDepth: 8, secretsDir: join(functionsDir, 'secrets') } as FunctionsConfig;
  const { catalog, problems } = await scanFunctions(config, { env: {} });
  expect(problems).toEqual([]);
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  processor = createLocalProcessor({ functions: catalog, logger, tmpRoot });
});

afterAll(async () => {
  await processor?.close(1000);
  if (tmpRoot) expect(await readdir(tmpRoot)).toEqual([]); // worker temp dirs and compiled modules removed
  await Promise.all([functionsDir, tmpRoot].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

describe('TypeScript functions in the local processor', () => {
  it('runs a single .ts file with types, interfaces and generics, its logs reaching the appliance', async () => {
    const inv = invocation('typed', { vm: 'web-01', cpus: 4 });
    expect(value(await processor.invoke(inv))).toEqual({ vm: 'web-01', cpus: [4, 4], fn: 'typed' });
    expect(logLines.some((l) => l.invocationId === inv.invocationId && l.msg === 'sizing web-01')).toBe(true);
  });

  it('runs a folder function whose index.ts imports ./lib.ts, and which reads its own folder', async () => {
    expect(value(await processor.invoke(invocation('folder', { gb: 8 })))).toEqual({ text: '8 GiB', note: 'read from its own folder', cwdNote: 'read from its own folder' });
  });

  it('runs a .mts function', async () => {
    expect(value(await processor.invoke(invocation('modern')))).toBe('from .mts');
  });

  it('runs init() once per worker, and a new worker reuses the compiled module', async () => {
    expect(value(await processor.invoke(invocation('with-init')))).toEqual({ connected: 'ready', calls: 1 });
    // maxInvocations: 1 — the second invocation runs on a fresh worker, from the same module.
    expect(value(await processor.invoke(invocation('with-init')))).toEqual({ connected: 'ready', calls: 1 });
    expect((await compiledModules()).filter((f) => f.startsWith('with-init-'))).toHaveLength(1);
  });

  it('fails with a stack trace that points at the .ts line', async () => {
    const error = errorOf(await processor.invoke(invocation('thrower')));
    expect(error.code).toBe('SB_FUNCTION_FAILED');
    expect(error.message).toContain('no VM in the event');
    expect(error.stack).toContain(`${join(functionsDir, 'thrower.ts')}:${throwLine}:`);
  });

  it('fails to load a .ts with a syntax error, naming the file, line and column', async () => {
    const error = errorOf(await processor.invoke(invocation('broken')));
    expect(error.code).toBe('SB_FUNCTION_LOAD_FAILED');
    expect(error.message).toContain(`${join(functionsDir, 'broken.ts')}:${brokenLine}:26`);
    expect(error.message).toContain('Unexpected ";"');
  });

  it('keeps a compiled function in its sandbox: it may not read another function', async () => {
    const error = errorOf(await processor.invoke(invocation('nosy')));
    expect(error.message).toMatch(/Access to this API has been restricted/u);
  });
});

describe('TypeScript functions in the CLI', () => {
  let fixture: ApplianceFixture | undefined;
  let appliance: RunningAppliance | undefined;
  afterEach(async () => {
    if (appliance) await appliance.stop();
    appliance = undefined;
    await fixture?.cleanup();
    fixture = undefined;
  });

  it('switchboard validate reports a TypeScript syntax error with file, line and column, and passes type errors', async () => {
    fixture = await createFixture({
      functions: { 'loose.ts': "export default (): number => 'not a number' as any as string;\n", 'broken/index.ts': "import { x } from './lib.js';\nexport default () => x;\n", 'broken/lib.ts': 'export const x = {\n  a: 1,,\n};\n' },
      yamlBody: '',
    });
    const result = await runCli(['validate', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('SB_FUNCTION_LOAD_FAILED');
    expect(result.stderr).toMatch(/functions\/broken\/lib\.ts:2:\d+ function broken: /u);
    expect(result.stderr).not.toContain('loose');
  });

  it('switchboard start logs a broken TypeScript function with file and line, and runs the others', async () => {
    fixture = await createFixture({
      functions: {
        'good.ts': "export default async (event: { data: { n: number } }, context: { log: { info(m: string): void } }) => { context.log.info(`ts got ${event.data.n}`); };\n",
        'bad.ts': 'export default async () => {\n  return (;\n};\n',
      },
      yamlBody: `
sources:
  - name: ops
    type: webhook
    path: /webhooks/ops
subscriptions:
  - name: to-good
    function: good
`,
    });
    appliance = await startAppliance(fixture);
    const reported = appliance.logs.find((l) => l.level === 'error' && String(l.msg).includes('bad.ts'));
    expect(reported?.msg).toMatch(/functions\/bad\.ts:2:\d+ function bad: /u);
    const response = await fetch(`${fixture.baseUrl}/webhooks/ops`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 7 }) });
    expect(response.status).toBe(202);
    await eventually(() => appliance!.logs.some((l) => l.msg === 'ts got 7'), 20_000, 'the TypeScript function to run');
  });
});
