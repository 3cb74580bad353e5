// `switchboard functions list` (what is in the functions folder, as the appliance reads it)
// and `switchboard functions invoke <name> --event file.json` (run one function once, in
// the same sandboxed worker the appliance uses, without an appliance or a bus).

import { localUrl } from '../http/local-url.js';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import pino from 'pino';
import { createLocalProcessor } from '../../processors/local/index.js';
import { loadSwitchboard } from '../config/load.js';
import { InvalidEventError } from '../errors.js';
import { validateCloudEvent } from '../events/validate.js';
import { protectedPaths } from '../runtime/protected-paths.js';
import type { FunctionWorkers } from '../../processors/processor.js';
import type { ResolvedConfig } from '../config/types.js';
import { functionsPath } from '../http/functions-endpoint.js';
import { describeFunction, type FunctionDescription } from '../runtime/describe-function.js';
import { runCommand } from './run-command.js';

interface Common {
  config?: string;
  json?: boolean;
}

export function registerFunctionsCommands(program: Command, configOption: readonly [string, string]): void {
  const functions = program.command('functions').description('the functions in the functions folder');

  functions.command('list')
    .description('list every function with its runtime and manifest (secret values and env values are not shown)')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((opts: Common) =>
      runCommand(async () => {
        const { config, functions: catalog } = await loadSwitchboard({ configPath: opts.config });
        const live = await runningWorkers(config);
        const rows = catalog.names().map((name) => ({
          ...describeFunction(catalog.get(name)!, config.subscriptions.filter((s) => s.function === name).map((s) => s.name)),
          // null: no appliance answered, so nothing is known about workers.
          workers: live ? live.get(name) ?? [] : null,
        }));
        process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : table(rows));
      }),
    );

  functions.command('invoke <name>')
    .description('run one function once on an event, in its sandboxed worker, and print the outcome')
    .option(...configOption)
    .requiredOption('-e, --event <file>', 'a CloudEvent in JSON format')
    .option('--json', 'print JSON')
    .action((name: string, opts: Common & { event: string }) =>
      runCommand(async () => {
        const { config, functions: catalog } = await loadSwitchboard({ configPath: opts.config });
        const event = validateCloudEvent(await readEvent(opts.event));
        const processor = createLocalProcessor({
          functions: catalog, logger: pino({ level: 'info' }, pino.destination(2)), maxWorkersPerFunction: 1,
          sandbox: config.functions.sandbox, protectedPaths: protectedPaths(config),
        });
        try {
          const definition = catalog.get(name);
          const outcome = await processor.invoke({
            invocationId: randomUUID(), functionName: name, subscription: '(switchboard functions invoke)', event, attempt: 1,
            timeoutMs: definition?.manifest.timeoutMs ?? config.functions.defaultTimeoutMs,
          });
          process.stdout.write(opts.json ? `${JSON.stringify(outcome)}\n` : `${outcome.ok ? 'succeeded' : `failed: ${outcome.error.code}: ${outcome.error.message}`} in ${Math.round(outcome.durationMs)} ms\n${outcome.ok ? `${JSON.stringify(outcome.result ?? null, null, 2)}\n` : ''}`);
          if (!outcome.ok) process.exitCode = 1;
        } finally {
          await processor.close(0);
        }
      }),
    );
}

type Workers = FunctionWorkers['workers'];

/**
 * The workers of each function in the running appliance (its GET /functions), or undefined
 * when none answers: the listing itself needs only the files.
 */
async function runningWorkers(config: ResolvedConfig): Promise<Map<string, Workers> | undefined> {
  try {
    const response = await fetch(localUrl(config.http, functionsPath), {
      signal: AbortSignal.timeout(2000),
      ...(config.http.operatorToken ? { headers: { authorization: `Bearer ${config.http.operatorToken}` } } : {}),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { functions: { name: string; workers: Workers }[] };
    return new Map(body.functions.map((f) => [f.name, f.workers]));
  } catch {
    return undefined;
  }
}

function describeWorkers(workers: Workers | null): string {
  if (workers === null) return 'workers: unknown (the appliance is not running)';
  if (workers.length === 0) return 'workers: none (scaled to zero)';
  const states = workers.map((w) => `${w.pid ?? '?'} ${w.state}, ${w.invocations} run`);
  return `workers: ${workers.length} (${states.join('; ')})`;
}

/** JavaScript and TypeScript run in warm workers; executables start a process per invocation. */
const inWorkers = (r: FunctionDescription) => r.runtime === 'javascript' || r.runtime === 'typescript';

function table(rows: (FunctionDescription & { workers: Workers | null })[]): string {
  if (rows.length === 0) return 'no functions in the functions folder\n';
  return rows
    .map((r) => `${r.name}  (${r.runtime}, ${r.entry}, version ${r.version})\n  timeout ${r.timeoutMs / 1000}s, memory ${r.memoryMb} MB` +
      `${r.concurrency ? `, concurrency ${r.concurrency}` : ''}${r.network ? '' : ', no network'}` +
      (inWorkers(r) ? `, minWarm ${r.minWarm}, idle timeout ${r.idleTimeoutMs / 1000}s${r.maxInvocations ? `, recycled after ${r.maxInvocations} invocations` : ''}` : ', one process per invocation') +
      `${r.env.length ? `, env ${r.env.join(' ')}` : ''}${r.secrets.length ? `, secrets ${r.secrets.join(' ')}` : ''}\n` +
      `  subscriptions: ${r.subscriptions.join(', ') || '(none)'}\n${inWorkers(r) ? `  ${describeWorkers(r.workers)}\n` : ''}`)
    .join('');
}

async function readEvent(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidEventError(`${file} is not a JSON CloudEvent: ${(err as Error).message}`);
  }
}
