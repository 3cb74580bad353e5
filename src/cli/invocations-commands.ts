// `switchboard invocations list|show`: what ran, on which event, how it ended and what the
// function said — read from the INVOCATIONS stream on the appliance's bus. When a list stops
// at its scan limit (an event filter reads records it does not return), stderr says so and
// stdout keeps the same shape, so that `--json` output parses either way.

import { InvalidArgumentError, type Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import {
  defaultListLimit, defaultScanLimit, listInvocations, scanLimitNote, showInvocation,
} from '../invocations/invocation-query.js';
import { summarize, type InvocationRecord, type InvocationSummary } from '../invocations/record.js';
import { withBus } from './bus-client.js';
import { runCommand } from './run-command.js';

interface Common {
  config?: string;
  json?: boolean;
}

interface ListOptions extends Common {
  function?: string;
  subscription?: string;
  event?: string;
  failed?: boolean;
  limit: number;
  scanLimit: number;
}

export function registerInvocationsCommands(program: Command, configOption: readonly [string, string]): void {
  const invocations = program.command('invocations').description('records of function invocations: outcome, error, captured output');

  invocations.command('list')
    .description('list invocations, newest first')
    .option(...configOption)
    .option('--json', 'print JSON')
    .option('-f, --function <name>', 'only this function')
    .option('-s, --subscription <name>', 'only this subscription')
    .option('-e, --event <id>', 'only invocations on the event with this id')
    .option('--failed', 'only invocations that did not succeed')
    .option('-n, --limit <n>', 'at most this many', positiveInteger, defaultListLimit)
    .option('--scan-limit <n>', 'read at most this many records (an --event filter reads records it does not list)', positiveInteger, defaultScanLimit)
    .action((opts: ListOptions) =>
      runCommand(async () => {
        const filter = {
          ...(opts.function ? { function: opts.function } : {}),
          ...(opts.subscription ? { subscription: opts.subscription } : {}),
          ...(opts.event ? { eventId: opts.event } : {}),
          failed: opts.failed ?? false,
        };
        const list = await onBus(opts, (bus) => listInvocations(bus, filter, opts.limit, opts.scanLimit));
        const summaries = list.invocations.map(summarize);
        print(opts, summaries, () => table(summaries));
        const note = scanLimitNote(list);
        if (note) process.stderr.write(`note: ${note}, or raise --scan-limit\n`);
      }),
    );

  invocations.command('show <invocationId>')
    .description('show one invocation in full, with what the function logged')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((id: string, opts: Common) =>
      runCommand(async () => {
        const record = await onBus(opts, (bus) => showInvocation(bus, id));
        print(opts, record, () => details(record));
      }),
    );
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of at least 1');
  return n;
}

async function onBus<T>(opts: Common, work: Parameters<typeof withBus<T>>[1]): Promise<T> {
  // Only switchboard.yaml: the functions' manifests (and their secrets) are not needed here.
  const config = await loadConfigFile({ configPath: opts.config });
  return withBus(config, work);
}

function print(opts: Common, value: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms}ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** What the router did next, in a few words. */
function action(r: Pick<InvocationRecord, 'action' | 'retryDelayMs'>): string {
  return r.action === 'retry' && r.retryDelayMs !== undefined ? `retry in ${duration(r.retryDelayMs)}` : r.action;
}

function table(records: readonly InvocationSummary[]): string {
  if (records.length === 0) return 'no invocations recorded\n';
  const rows = records.map((r) => {
    const error = r.error ? `${r.error.code}: ${r.error.message}` : '';
    return [
      r.startedAt, r.invocationId, r.function, r.subscription, r.eventId, `${r.attempt}/${r.attempts}`,
      r.outcome, duration(r.durationMs), action(r), error.length > 60 ? `${error.slice(0, 57)}...` : error,
    ];
  });
  const header = ['STARTED', 'INVOCATION', 'FUNCTION', 'SUBSCRIPTION', 'EVENT', 'ATTEMPT', 'OUTCOME', 'DURATION', 'THEN', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function details(r: InvocationRecord): string {
  const lines = [
    `invocation   ${r.invocationId}`,
    `function     ${r.function} (subscription ${r.subscription})`,
    `event        ${r.eventId}  ${r.eventType}  from ${r.eventSource}`,
    `attempt      ${r.attempt} of ${r.attempts}`,
    `started      ${r.startedAt}, ran ${duration(r.durationMs)}`,
    `outcome      ${r.outcome}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}`,
    `then         ${action(r)}`,
    `published    ${r.publishedEvents} event(s)`,
  ];
  if (r.error?.stack) lines.push('stack', ...r.error.stack.split('\n').map((l) => `  ${l}`));
  const said = r.output.lines.length === 0 ? 'output       none' : `output       ${r.output.lines.length} line(s)${r.output.truncated ? ', truncated' : ''}:`;
  lines.push(said, ...r.output.lines.map((l) => `  ${l.at}  ${l.stream.padEnd(6)} ${l.level.padEnd(5)}  ${l.msg}`));
  if (r.output.lines.length === 0 && r.output.truncated) lines.push('  (truncated)');
  return `${lines.join('\n')}\n`;
}
