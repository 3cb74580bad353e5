import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import type { ParkedEvent } from '../router/dead-letter.js';
import { listParked, purgeParked, replayParked, showParked } from '../router/dead-letter-queue.js';
import { withBus } from './bus-client.js';
import { runCommand } from './run-command.js';

interface Common {
  config?: string;
  json?: boolean;
}

export function registerDlqCommands(program: Command, configOption: readonly [string, string]): void {
  const dlq = program.command('dlq').description('events whose function failed every attempt');

  dlq.command('list')
    .description('list dead-lettered events, oldest first')
    .option(...configOption)
    .option('--json', 'print JSON')
    .option('-s, --subscription <name>', 'only this subscription')
    .option('-n, --limit <n>', 'at most this many', '100')
    .action((opts: Common & { subscription?: string; limit: string }) =>
      runCommand(async () => {
        const parked = await onBus(opts, (bus) => listParked(bus, { limit: Number(opts.limit), subscription: opts.subscription }));
        print(opts, parked, () => table(parked));
      }),
    );

  dlq.command('show <id>')
    .description('show one dead-lettered event in full')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((id: string, opts: Common) =>
      runCommand(async () => {
        const parked = await onBus(opts, (bus) => showParked(bus, Number(id)));
        print(opts, parked, () => `${JSON.stringify(parked, null, 2)}\n`);
      }),
    );

  dlq.command('replay [id]')
    .description('deliver a dead-lettered event (or --all) again to the subscription that failed it')
    .option(...configOption)
    .option('--all', 'replay every dead-lettered event')
    .option('--json', 'print JSON')
    .action((id: string | undefined, opts: Common & { all?: boolean }) =>
      runCommand(async () => {
        if (!id && !opts.all) throw new Error('give the id of a dead-lettered event (see switchboard dlq list) or --all');
        const replayed = await onBus(opts, async (bus) => {
          const targets = opts.all ? await listParked(bus, { limit: Number.MAX_SAFE_INTEGER }) : [await showParked(bus, Number(id))];
          for (const parked of targets) await replayParked(bus, parked);
          return targets.map((p) => ({ id: p.id, eventId: p.event.id, subscription: p.subscription }));
        });
        print(opts, replayed, () => replayed.map((r) => `replayed ${r.id} (event ${r.eventId}) to ${r.subscription}\n`).join('') || 'nothing to replay\n');
      }),
    );

  dlq.command('purge')
    .description('delete every dead-lettered event')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((opts: Common) =>
      runCommand(async () => {
        const purged = await onBus(opts, (bus) => purgeParked(bus));
        print(opts, { purged }, () => `purged ${purged} dead-lettered event(s)\n`);
      }),
    );
}

async function onBus<T>(opts: Common, work: Parameters<typeof withBus<T>>[1]): Promise<T> {
  // Only switchboard.yaml: the functions' manifests (and their secrets) are not needed here.
  const config = await loadConfigFile({ configPath: opts.config });
  return withBus(config, work);
}

function print(opts: Common, value: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

function table(parked: readonly ParkedEvent[]): string {
  if (parked.length === 0) return 'the dead-letter queue is empty\n';
  const rows = parked.map((p) => [
    String(p.id), p.deadLetteredAt, p.subscription, p.function, String(p.attempts), `${p.event.type} ${p.event.id}`,
    p.error.length > 60 ? `${p.error.slice(0, 57)}...` : p.error,
  ]);
  const header = ['ID', 'PARKED AT', 'SUBSCRIPTION', 'FUNCTION', 'ATTEMPTS', 'EVENT', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
