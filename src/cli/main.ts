#!/usr/bin/env node
// `switchboard`: the operator's command. Every command takes --config; list commands --json.
// Exit codes: 0 done, 1 the operator's input is wrong (config, event, id), 2 nothing to talk to,
// 3 `subscriptions test`: the event is valid and no subscription matches it.

import { Command } from 'commander';
import { registerConsoleBannerCommand } from './console-banner-command.js';
import { registerDlqCommands } from './dlq-commands.js';
import { registerFunctionsCommands } from './functions-commands.js';
import { registerInvocationsCommands } from './invocations-commands.js';
import { registerOvfCommands } from './ovf-command.js';
import { runCommand } from './run-command.js';
import { sendCommand } from './send-command.js';
import { registerSimCommands } from './sim-command.js';
import { startCommand } from './start-command.js';
import { registerSubscriptionsCommands } from './subscriptions-commands.js';
import { validateCommand } from './validate-command.js';
import { waitReadyCommand } from './wait-ready-command.js';

const program = new Command('switchboard')
  .description('Event-broker automation appliance: events in, CloudEvents on NATS JetStream, functions run.')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError();

const configOption = ['-c, --config <file>', 'configuration file (default: $SWITCHBOARD_CONFIG, ./switchboard.yaml, /etc/switchboard/switchboard.yaml)'] as const;

program
  .command('start')
  .description('start the appliance in the foreground (SIGTERM drains and exits)')
  .option(...configOption)
  .action((opts: { config?: string }) => startCommand(opts));

program
  .command('validate')
  .description('check the configuration, subscriptions and functions without starting anything')
  .option(...configOption)
  .option('--json', 'print the result as JSON')
  .action((opts: { config?: string; json?: boolean }) => runCommand(() => validateCommand(opts)));

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
  .action((opts) => runCommand(() => sendCommand(opts)));

program
  .command('wait-ready')
  .description('wait until the running appliance of this configuration is ready (/readyz answers 200); exit 2 if it is not in time')
  .option(...configOption)
  .option('--timeout <duration>', 'how long to wait', '60s')
  .action((opts: { config?: string; timeout?: string }) => runCommand(() => waitReadyCommand(opts)));

registerConsoleBannerCommand(program, configOption);
registerDlqCommands(program, configOption);
registerFunctionsCommands(program, configOption);
registerInvocationsCommands(program, configOption);
registerOvfCommands(program);
registerSubscriptionsCommands(program, configOption);
registerSimCommands(program);

await program.parseAsync(process.argv);
