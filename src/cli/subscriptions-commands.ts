// `switchboard subscriptions list` (every subscription as the appliance reads it: where it is
// declared, its filters written out, its delivery settings) and `switchboard subscriptions
// test <event.json>` (which subscriptions an event matches, and for each other one which
// filter failed and why — StackStorm's rule tester for Switchboard). Neither needs a running
// appliance: both load the configuration the way `validate` does.

import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { loadSwitchboard } from '../config/load.js';
import type { SubscriptionConfig } from '../config/types.js';
import { InvalidEventError } from '../errors.js';
import { validateCloudEvent } from '../events/validate.js';
import { filterWarnings } from '../filters/compile.js';
import { explainSubscription, formatExplanation } from '../filters/explain.js';
import { renderFilterTree } from '../filters/render.js';
import { runCommand } from './run-command.js';

interface Common {
  config?: string;
  json?: boolean;
}

/** Exit status of `subscriptions test` when the event is valid but no subscription matches. */
export const noMatchExitCode = 3;

export function registerSubscriptionsCommands(program: Command, configOption: readonly [string, string]): void {
  const subscriptions = program.command('subscriptions').description('the subscriptions of this configuration, and which ones an event matches (no running appliance needed)');

  subscriptions.command('list')
    .description('list every subscription: its function, where it is declared, its filters, retry, timeout and concurrency')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((opts: Common) =>
      runCommand(async () => {
        const { config } = await loadSwitchboard({ configPath: opts.config });
        const rows = config.subscriptions.map(describeSubscription);
        process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : listing(rows));
      }),
    );

  subscriptions.command('test <event>')
    .description(`which subscriptions a CloudEvent (a JSON file, or - for stdin) matches, and why each other one does not; exit 0 when one matches, ${noMatchExitCode} when none does`)
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((file: string, opts: Common) =>
      runCommand(async () => {
        const { config } = await loadSwitchboard({ configPath: opts.config });
        const event = validateCloudEvent(await readEvent(file));
        const results = config.subscriptions.map((s) => explainSubscription(s, event));
        const matched = results.filter((r) => r.matched).map((r) => r.subscription);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ event: { id: event.id, source: event.source, type: event.type }, matched, subscriptions: results }, null, 2)}\n`);
        } else {
          const summary = results.length === 0
            ? 'there are no subscriptions'
            : matched.length === 0 ? `no subscription of ${results.length} matches` : `${matched.length} of ${results.length} subscription(s) match: ${matched.join(', ')}`;
          process.stdout.write(`${[...results.flatMap(formatExplanation), `event ${event.id} (${event.type}): ${summary}`].join('\n')}\n`);
        }
        if (matched.length === 0) process.exitCode = noMatchExitCode;
      }),
    );
}

interface SubscriptionRow {
  readonly name: string;
  readonly function: string;
  /** file:line:column, relative to the working directory when inside it. */
  readonly declaredAt: string;
  /** One line per filter, compositions indented beneath them. */
  readonly filters: readonly string[];
  readonly filterWarnings: readonly string[];
  readonly retry: SubscriptionConfig['retry'];
  readonly timeoutMs: number | null;
  readonly concurrency: number;
  readonly ordered: boolean;
  readonly deadLetter: boolean;
  /** The filters as written (for scripts). */
  readonly filtersWritten: SubscriptionConfig['filters'];
}

function describeSubscription(s: SubscriptionConfig): SubscriptionRow {
  const at = s.declaredAt;
  return {
    name: s.name,
    function: s.function,
    declaredAt: `${shortPath(at.file)}:${at.line}:${at.column}`,
    filters: s.filters.flatMap((f) => renderFilterTree(f)),
    filterWarnings: filterWarnings(s.filters).map((w) => `${w.path}: ${w.message}`),
    retry: s.retry,
    timeoutMs: s.timeoutMs ?? null,
    concurrency: s.concurrency,
    ordered: s.ordered,
    deadLetter: s.deadLetter,
    filtersWritten: s.filters,
  };
}

function listing(rows: readonly SubscriptionRow[]): string {
  if (rows.length === 0) return 'no subscriptions\n';
  return rows.map((r) => {
    const filters = r.filters.length === 0 ? ['  filters: none (every event)'] : ['  filters:', ...r.filters.map((l) => `    ${l}`)];
    const delivery = [
      `retry ${r.retry.attempts} attempt(s), ${r.retry.backoff} from ${duration(r.retry.delayMs)} to ${duration(r.retry.maxDelayMs)}`,
      `timeout ${r.timeoutMs === null ? "the function's" : duration(r.timeoutMs)}`,
      r.ordered ? 'ordered (one at a time)' : `concurrency ${r.concurrency}`,
      r.deadLetter ? 'dead-letter after the last attempt' : 'dropped after the last attempt',
    ];
    return [
      `${r.name} → ${r.function}  (${r.declaredAt})`,
      ...filters,
      `  ${delivery.join('; ')}`,
      ...r.filterWarnings.map((w) => `  warning: ${w}`),
    ].join('\n');
  }).join('\n\n') + '\n';
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

const units: readonly [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];

/** 1000 → 1s, 90000 → 90s, 1500 → 1.5s, 250 → 250ms: the way durations are written in the config. */
function duration(ms: number): string {
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 1_000 ? `${ms / 1_000}s` : `${ms}ms`;
}

async function readEvent(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidEventError(`${file} cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidEventError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError(`${file} holds ${Array.isArray(value) ? 'a list' : 'no object'}: give one CloudEvent in JSON format (structured mode)`);
  }
  return value as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
