// Pre-started generic workers: a JavaScript function's first worker is a process that was
// already running, given a copy of the function, its environment and its secrets, in the
// same sandbox as a worker of its own. It must behave exactly like one: read its own files,
// see only its own env and secrets, and nothing of other functions.

import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor, type LocalProcessor } from '../../processors/local/index.js';
import type { InvocationOutcome } from '../../processors/processor.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';

let root: string;
let functionsDir: string;
let secretsDir: string;
let tmpRoot: string;

const adoptee = `import { readFile } from 'node:fs/promises';
export default async function (event) {
  const tryRead = (path) => readFile(path, 'utf8').then((t) => t, (e) => 'refused: ' + e.code);
  return {
    data: await readFile(new URL('./data.txt', import.meta.url), 'utf8'),
    cwdData: await tryRead('data.txt'),
    env: { ...process.env },
    secret: await tryRead(process.env.TOKEN_FILE),
    otherFunction: await tryRead(${JSON.stringify('OTHER')}),
    secretsDir: await tryRead(${JSON.stringify('SECRETS')}),
  };
}
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-prestart-'));
  functionsDir = join(root, 'functions');
  secretsDir = join(root, 'secrets');
  tmpRoot = join(root, 'tmp');
  await mkdir(join(functionsDir, 'adoptee'), { recursive: true });
  await mkdir(secretsDir, { mode: 0o700 });
  await mkdir(tmpRoot);
  await writeFile(join(functionsDir, 'other.mjs'), 'export default async () => "other";');
  await writeFile(join(functionsDir, 'adoptee', 'index.mjs'), adoptee.replace('OTHER', join(functionsDir, 'other.mjs')).replace('SECRETS', join(secretsDir, 'unrelated')));
  await writeFile(join(functionsDir, 'adoptee', 'data.txt'), 'its own file');
  await writeFile(join(functionsDir, 'adoptee', 'function.yaml'), 'env: { GREETING: hello }\nsecrets: [token]\n');
  await writeFile(join(secretsDir, 'token'), 's3cret\n', { mode: 0o600 });
  await writeFile(join(secretsDir, 'unrelated'), 'not yours', { mode: 0o600 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function processorWith(prestartedWorkers: number): Promise<LocalProcessor> {
  const { catalog, problems } = await scanFunctions(
    { dir: functionsDir, defaultTimeoutMs: 10_000, defaultMemoryMb: 256, maxWorkersPerFunction: 2, maxChainDepth: 8, secretsDir, sandbox: 'required', prestartedWorkers, watch: false } as never,
    { env: {} },
  );
  expect(problems).toEqual([]);
  return createLocalProcessor({ functions: catalog, logger: pino({ level: 'silent' }), tmpRoot, prestartedWorkers, defaultMemoryMb: 256 });
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const invoke = (p: LocalProcessor, id: string) =>
  p.invoke({ invocationId: id, functionName: 'adoptee', subscription: 's', attempt: 1, timeoutMs: 10_000, event: { specversion: '1.0', id, source: '/t', type: 't' } });

function result(outcome: InvocationOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as Record<string, unknown>;
}

describe('pre-started generic workers', () => {
  it('adopt a function on demand: its first invocation runs in the already-started process, with the function\'s own files, env and secret only', async () => {
    const processor = await processorWith(1);
    try {
      await processor.warm();
      const [sparePid] = await until(() => (processor.prestarted().length === 1 ? processor.prestarted() : undefined), 'a pre-started worker');
      const value = result(await invoke(processor, 'first'));
      const [worker] = processor.status().find((s) => s.function === 'adoptee')!.workers;
      expect(worker!.pid).toBe(sparePid); // no fork for this invocation
      expect(value.data).toBe('its own file');
      expect(value.cwdData).toBe('its own file'); // working directory: the function's folder (copy)
      expect(value.secret).toBe('s3cret\n');
      expect(value.env).toMatchObject({ GREETING: 'hello', TOKEN: 's3cret' });
      expect(Object.keys(value.env as object).sort()).toEqual(['GREETING', 'TMPDIR', 'TOKEN', 'TOKEN_FILE']);
      expect(value.otherFunction).toBe('refused: ERR_ACCESS_DENIED');
      expect(value.secretsDir).toBe('refused: ERR_ACCESS_DENIED');
      // A replacement spare is started for the next function.
      await until(() => (processor.prestarted().some((pid) => pid !== sparePid) ? true : undefined), 'a replacement pre-started worker');
    } finally {
      await processor.close(0);
    }
    expect(await readdir(tmpRoot)).toEqual([]); // every worker's temp dir (with the copies) removed
  });

  it('with prestartedWorkers 0 a function forks its own worker, and behaves the same', async () => {
    const processor = await processorWith(0);
    try {
      await processor.warm();
      expect(processor.prestarted()).toEqual([]);
      const value = result(await invoke(processor, 'own'));
      expect(value).toMatchObject({ data: 'its own file', cwdData: 'its own file', secret: 's3cret\n', otherFunction: 'refused: ERR_ACCESS_DENIED' });
      expect(Object.keys(value.env as object).sort()).toEqual(['GREETING', 'TMPDIR', 'TOKEN', 'TOKEN_FILE']);
    } finally {
      await processor.close(0);
    }
  });
});
