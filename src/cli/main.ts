#!/usr/bin/env node
// `switchboard`: the operator's command. Every command takes --config; list commands --json.
// Exit codes: 0 done, 1 the operator's input is wrong (config, event, id), 2 nothing to talk to,
// 3 `subscriptions test`: the event is valid and no subscription matches it.
//
// Each command's code is imported when that command runs, not before: a command that only
// reads the configuration (validate, ovf apply at boot, wait-ready) need not load the bus
// client, the sources' libraries and the runtime, which is most of Node's start-up here.

import { Command } from 'commander';
import { readVersion } from '../version.js';
import { runCommand } from './run-command.js';

const program = new Command('switchboard')
  .description('Event-broker automation appliance: events in, CloudEvents on NATS JetStream, functions run.')
  .version(await readVersion())
  .showHelpAfterError();

const configOption = ['-c, --config <file>', 'configuration file (default: $SWITCHBOARD_CONFIG, ./switchboard.yaml, /etc/switchboard/switchboard.yaml)'] as const;

program
  .command('start')
  .description('start the appliance in the foreground (SIGTERM drains and exits)')
  .option(...configOption)
  .action(async (opts: { config?: string }) => (await import('./start-command.js')).startCommand(opts));

program
  .command('validate')
  .description('check the configuration, subscriptions and functions without starting anything')
  .option(...configOption)
  .option('--json', 'print the result as JSON')
  .action((opts: { config?: string; json?: boolean }) => runCommand(async () => (await import('./validate-command.js')).validateCommand(opts)));

program
  .command('send')
  .description('publish a test event onto the bus of a running appliance')
  .option(...configOption)
  .option('-f, --file <event.json>', 'a CloudEvent in JSON format (structured mode)')
  .option('--type <type>', 'event type')
  .option('--source <uri>', 'event source', '/switchboard/cli')
  .option('--subject <subject>', 'event subject')
  .option('--id <id>', 'event id (default: a new UUID)')
  .option('--data <json>', 'event data as JSON (or text)')
  .option('--source-name <name>', 'source name the event is filed under on the bus', 'cli')
  .option('--json', 'print the result as JSON')
  .action((opts) => runCommand(async () => (await import('./send-command.js')).sendCommand(opts)));

program
  .command('wait-ready')
  .description('wait until the running appliance of this configuration is ready (/readyz answers 200); exit 2 if it is not in time')
  .option(...configOption)
  .option('--timeout <duration>', 'how long to wait', '60s')
  .action((opts: { config?: string; timeout?: string }) => runCommand(async () => (await import('./wait-ready-command.js')).waitReadyCommand(opts)));

// Command groups, by the name an operator types first; help (or a typo) loads them all.
const groups: Record<string, () => Promise<void>> = {
  'console-banner': async () => (await import('./console-banner-command.js')).registerConsoleBannerCommand(program, configOption),
  dlq: async () => (await import('./dlq-commands.js')).registerDlqCommands(program, configOption),
  functions: async () => (await import('./functions-commands.js')).registerFunctionsCommands(program, configOption),
  invocations: async () => (await import('./invocations-commands.js')).registerInvocationsCommands(program, configOption),
  ovf: async () => (await import('./ovf-command.js')).registerOvfCommands(program),
  subscriptions: async () => (await import('./subscriptions-commands.js')).registerSubscriptionsCommands(program, configOption),
  sim: async () => (await import('./sim-command.js')).registerSimCommands(program),
};
const first = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const group = first === undefined ? undefined : groups[first];
if (group) await group();
else if (!program.commands.some((c) => c.name() === first)) {
  for (const register of Object.values(groups)) await register();
}

await program.parseAsync(process.argv);
