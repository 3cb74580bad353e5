// Figure 4, cold start: the first invocation of a JavaScript function never run before, from
// `invoke()` to its outcome, through createLocalProcessor as the appliance builds it (its
// defaults: bubblewrap sandbox where it works, one pre-started worker). Before each
// measurement the harness waits until a pre-started worker is ready (the previous one was
// adopted and its replacement is starting). The same 20 functions are also run through a
// processor without pre-started workers (prestartedWorkers: 0: each first invocation forks
// its own worker). The reference is a bare Node fork-to-first-message (fork() of a script
// that process.send()s at once, no sandbox), measured interleaved in the same run, so the
// machine's noise hits all three alike.

import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSwitchboard } from '../src/config/load.js';
import { createLocalProcessor, type LocalProcessor } from '../processors/local/index.js';
import type { Invocation } from '../processors/processor.js';
import { type BenchContext, type BenchResult, Cleanups, fmt, median, pick, silentLogger, tempDir, until } from './harness.js';

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const cleanups = new Cleanups();
  try {
    const count = pick(ctx, 20, 5);
    const dir = await tempDir(cleanups, 'cold');
    const names = Array.from({ length: count }, (_, i) => `cold-${String(i + 1).padStart(2, '0')}`);
    await mkdir(join(dir, 'functions'));
    for (const name of names) {
      await writeFile(join(dir, 'functions', `${name}.mjs`), `// never run before this benchmark\nexport default async function ${name.replace('-', '')}(event) {\n  return { seen: event.id };\n}\n`);
    }
    await writeFile(join(dir, 'switchboard.yaml'), 'apiVersion: switchboard/v1\nfunctions:\n  dir: ./functions\n');
    await writeFile(join(dir, 'bare.cjs'), "process.send('ready');\n");
    const { functions } = await loadSwitchboard({ configPath: join(dir, 'switchboard.yaml') });

    const withSpares = createLocalProcessor({ functions, logger: silentLogger });
    cleanups.defer(() => withSpares.close(0));
    const without = createLocalProcessor({ functions, logger: silentLogger, prestartedWorkers: 0 });
    cleanups.defer(() => without.close(0));
    await withSpares.warm();
    const spareReady = (p: LocalProcessor) => until(() => p.prestarted().length >= 1, 30_000, 'a pre-started worker');

    const spare: number[] = [];
    const forked: number[] = [];
    const bare: number[] = [];
    for (const name of names) {
      await spareReady(withSpares);
      spare.push(await firstInvocation(withSpares, name));
      await spareReady(withSpares); // its replacement started: nothing else runs meanwhile
      bare.push(await bareFork(join(dir, 'bare.cjs')));
      forked.push(await firstInvocation(without, name));
    }
    const bareP50 = median(bare);
    const spareP50 = median(spare);
    const forkedP50 = median(forked);
    return {
      rows: [
        { figure: '4. Cold start p50, pre-started workers (default)', value: `${fmt.ms(spareP50)} (${(spareP50 / bareP50).toFixed(2)} × bare fork)`, target: `≤ 0.25 × bare fork = ${fmt.ms(bareP50 / 4)}`, met: spareP50 <= bareP50 / 4 },
        { figure: '4. Cold start p50, without pre-started workers', value: `${fmt.ms(forkedP50)} (${(forkedP50 / bareP50).toFixed(2)} × bare fork)`, target: 'informational', met: undefined },
        { figure: '4. Bare Node fork → first message, p50', value: fmt.ms(bareP50), target: 'reference (≈86 ms in the issue)', met: undefined },
      ],
      notes: [
        `Cold start over ${count} functions (ms, in order): pre-started ${spare.map((v) => v.toFixed(1)).join(' ')}; ` +
          `own fork ${forked.map((v) => v.toFixed(1)).join(' ')}; bare fork ${bare.map((v) => v.toFixed(1)).join(' ')}.`,
      ],
    };
  } finally {
    await cleanups.run();
  }
}

async function firstInvocation(processor: LocalProcessor, functionName: string): Promise<number> {
  const invocation: Invocation = {
    invocationId: `cold-${functionName}-${Date.now()}`,
    functionName,
    subscription: 'bench',
    event: { specversion: '1.0', id: `cold-${functionName}`, source: '/bench', type: 'com.example.bench.v0' },
    attempt: 1,
    timeoutMs: 30_000,
  };
  const started = performance.now();
  const outcome = await processor.invoke(invocation);
  const ms = performance.now() - started;
  if (!outcome.ok) throw new Error(`function ${functionName} failed: ${outcome.error.code}: ${outcome.error.message}`);
  return ms;
}

/** fork() to the child's first IPC message; waits for its exit so nothing overlaps the next measurement. */
async function bareFork(script: string): Promise<number> {
  const started = performance.now();
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const ms = await new Promise<number>((resolve, reject) => {
    child.once('message', () => resolve(performance.now() - started));
    child.once('exit', (code) => reject(new Error(`the bare fork exited with ${code} before its message`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.disconnect();
  await exited;
  return ms;
}
