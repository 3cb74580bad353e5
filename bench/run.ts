// `npm run bench`: builds, then runs every benchmark of issue 7 in order against real
// processes (embedded nats-server, the appliance, its workers), prints one table as the last
// thing, and appends the run to bench/RESULTS.md.
//   npm run bench -- --only latency,cold-start   some of them (the bus ceiling comes along with end-to-end)
//   npm run bench -- --quick                     short runs for development (or BENCH_QUICK=1)
//   npm run bench -- --no-record                 do not append to RESULTS.md

import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BenchContext, type BenchResult, Cleanups, formatTable, repoRoot, type Row } from './harness.js';
import * as busCeiling from './bus-ceiling.js';
import * as endToEnd from './end-to-end.js';
import * as latency from './latency.js';
import * as coldStart from './cold-start.js';
import * as matching from './matching.js';
import * as vcenterIngest from './vcenter-ingest.js';
import * as footprint from './footprint.js';

const benchmarks = {
  'bus-ceiling': busCeiling.run,
  'end-to-end': endToEnd.run,
  latency: latency.run,
  'cold-start': coldStart.run,
  matching: matching.run,
  'vcenter-ingest': vcenterIngest.run,
  footprint: footprint.run,
} satisfies Record<string, (ctx: BenchContext) => Promise<BenchResult>>;
type BenchName = keyof typeof benchmarks;
const names = Object.keys(benchmarks) as BenchName[];

/** Ratios are taken within one run: a benchmark that divides by another brings it along. */
const needs: Partial<Record<BenchName, BenchName[]>> = { 'end-to-end': ['bus-ceiling'] };

function parseArgs(argv: readonly string[]) {
  const only = new Set<BenchName>();
  let quick = process.env['BENCH_QUICK'] === '1';
  let record = process.env['BENCH_NO_RECORD'] !== '1';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--no-record') record = false;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] ?? '' : arg.slice('--only='.length);
      for (const name of list.split(',').filter(Boolean)) {
        if (!names.includes(name as BenchName)) throw new Error(`unknown benchmark "${name}"; one of ${names.join(', ')}`);
        only.add(name as BenchName);
        for (const dep of needs[name as BenchName] ?? []) only.add(dep);
      }
    } else throw new Error(`unknown argument ${arg}; use --only <names>, --quick, --no-record`);
  }
  return { selected: names.filter((n) => only.size === 0 || only.has(n)), quick, record };
}

async function machine(): Promise<string[]> {
  const run = promisify(execFile);
  const nats = await run('nats-server', ['--version']).then((r) => r.stdout.trim(), () => 'nats-server not found');
  const commit = await run('git', ['describe', '--always', '--dirty'], { cwd: repoRoot }).then((r) => r.stdout.trim(), () => '?');
  const [one, five] = loadavg();
  return [
    `nproc ${availableParallelism()}, CPU ${cpus()[0]?.model.trim() ?? '?'}, RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Linux ${release()}`,
    `Node ${process.version}, ${nats}, commit ${commit}`,
    `load average at start ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min)`,
  ];
}

async function main(): Promise<void> {
  const { selected, quick, record } = parseArgs(process.argv.slice(2));
  const stop = (signal: string) => {
    process.stderr.write(`\nbench: ${signal}: cleaning up\n`);
    void Cleanups.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  const startedAt = new Date();
  const about = await machine();
  const ctx: BenchContext = { quick };
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const name of selected) {
    process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''}…\n`);
    const t0 = performance.now();
    try {
      const result = await benchmarks[name](ctx);
      rows.push(...result.rows);
      notes.push(...result.notes);
    } catch (err) {
      rows.push({ figure: name, value: `failed: ${String((err as Error).message ?? err).split('\n')[0]!.slice(0, 80)}`, target: '', met: false });
      notes.push(`${name} failed: ${(err as Error).stack ?? String(err)}`);
    }
    process.stderr.write(`bench: ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  await Cleanups.runAll();

  const table = formatTable(rows);
  const mode = quick ? 'QUICK run (shortened durations and counts: not comparable with full runs)' : 'full run';
  if (record) {
    const entry = [
      `## ${startedAt.toISOString()} — ${mode}`,
      '',
      ...about.map((l) => `- ${l}`),
      `- benchmarks: ${selected.join(', ')}`,
      '',
      table,
      '',
      'Notes:',
      '',
      ...notes.map((n) => `- ${n.replace(/\n/g, '\n  ')}`),
      '',
      '',
    ].join('\n');
    await appendFile(join(repoRoot, 'bench', 'RESULTS.md'), entry);
  }
  process.stdout.write(`\n${about.join('\n')}\n${mode}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n${table}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message ?? String(err)}\n`);
  void Cleanups.runAll().finally(() => process.exit(1));
});
