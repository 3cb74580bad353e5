// `switchboard sim vcenter`: a vCenter-like server speaking the event stream contract, so
// the demo shows vSphere events flowing into functions without a vCenter, and a source can
// be tried against drops, expired sessions and gaps on purpose.

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../config/units.js';
import { createLogger } from '../logger.js';
import { defaultCredentials, startVcenterSimulator, type DropMode, type SimulatorOptions } from '../sim/vcenter/index.js';
import {
  DEFAULT_API_VERSION, DEFAULT_BATCH_SIZE, DEFAULT_FIRST_KEY, DEFAULT_PING_INTERVAL_MS, DEFAULT_PONG_TIMEOUT_MS, DEFAULT_RETAIN,
} from '../sim/vcenter/options.js';

export const DEFAULT_SIM_PORT = 8990;
export const DEFAULT_SIM_RATE = 2;

const integer = (min: number) => (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer, at least ${min}`);
  return n;
};
const rate = (text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected events per second, e.g. 2 or 0.5 (0: none)');
  return n;
};
const duration = (text: string): number => {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new RangeError('a duration must be more than 0');
    return ms;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

interface SimVcenterFlags {
  host: string;
  port: number;
  username: string;
  password: string;
  rate: number;
  retain: number;
  firstKey: number;
  keyStep: number;
  sessionTtl?: number;
  dropEvery?: number;
  dropMode: DropMode;
  pingInterval: number;
  pongTimeout: number;
  batchSize: number;
  tlsCert?: string;
  tlsKey?: string;
  seed?: number;
  instanceUuid?: string;
  apiVersion: string;
  logLevel: string;
}

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('simulated event sources, to try Switchboard without the real systems');
  sim
    .command('vcenter')
    .description('serve vSphere events over the vCenter event stream contract (POST /api/session, WS /sdk/events/ws)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', integer(0), DEFAULT_SIM_PORT)
    .option('--username <name>', 'the user a client logs in as', defaultCredentials.username)
    .option('--password <password>', "that user's password", defaultCredentials.password)
    .option('--rate <per-second>', 'events created per second (fractions allowed; 0: none)', rate, DEFAULT_SIM_RATE)
    .option('--retain <events>', 'events kept for replay; a client resuming from before them gets a gap', integer(1), DEFAULT_RETAIN)
    .option('--first-key <key>', "the first event's Key", integer(1), DEFAULT_FIRST_KEY)
    .option('--key-step <n>', 'each Key is the previous plus 1..n (1: contiguous)', integer(1), 5)
    .option('--session-ttl <duration>', 'sessions expire this long after login (their streams close with 4001)', duration)
    .option('--drop-every <duration>', 'drop every connection this often', duration)
    .addOption(new Option('--drop-mode <mode>', 'how --drop-every drops: close with 1001, or cut the TCP connection').choices(['going-away', 'abrupt']).default('going-away'))
    .addOption(new Option('--ping-interval <duration>', 'how often each stream is pinged').argParser(duration).default(DEFAULT_PING_INTERVAL_MS, '20s'))
    .addOption(new Option('--pong-timeout <duration>', 'how long a client has to answer a ping').argParser(duration).default(DEFAULT_PONG_TIMEOUT_MS, '10s'))
    .option('--batch-size <n>', 'the most events in one batch frame', integer(1), DEFAULT_BATCH_SIZE)
    .option('--tls-cert <file>', 'PEM certificate: serve https/wss (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--seed <n>', 'the same seed gives the same inventory, events and keys', integer(0))
    .option('--instance-uuid <uuid>', 'the instanceUuid in hello (default: random, or from --seed)')
    .option('--api-version <version>', 'the apiVersion in hello', DEFAULT_API_VERSION)
    .option('--log-level <level>', 'log level (JSON lines on stdout)', 'info')
    .action((flags: SimVcenterFlags) => simVcenterCommand(flags));
}

async function simVcenterCommand(flags: SimVcenterFlags): Promise<void> {
  const logger = createLogger(flags.logLevel).child({ component: 'vcenter-sim' });
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    process.stderr.write('error: give --tls-cert and --tls-key together\n');
    process.exit(1);
  }
  const options: Partial<SimulatorOptions> = {
    host: flags.host,
    port: flags.port,
    username: flags.username,
    password: flags.password,
    rate: flags.rate,
    retain: flags.retain,
    firstKey: flags.firstKey,
    keyStep: flags.keyStep,
    sessionTtlMs: flags.sessionTtl,
    dropEveryMs: flags.dropEvery,
    dropMode: flags.dropMode,
    pingIntervalMs: flags.pingInterval,
    pongTimeoutMs: flags.pongTimeout,
    batchSize: flags.batchSize,
    seed: flags.seed,
    instanceUuid: flags.instanceUuid,
    apiVersion: flags.apiVersion,
    logger,
  };
  let simulator;
  try {
    if (flags.tlsCert && flags.tlsKey) options.tls = { cert: await readFile(flags.tlsCert), key: await readFile(flags.tlsKey) };
    simulator = await startVcenterSimulator(options);
  } catch (err) {
    process.stderr.write(`error: the vCenter simulator could not start on ${flags.host}:${flags.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const { url, username, password, instanceUuid } = simulator;
  logger.info({ url, username, password, instanceUuid, rate: flags.rate, retain: flags.retain }, `vCenter simulator listening on ${url}`);
  process.stderr.write(`vCenter simulator on ${url}  (user ${username}, password ${password}; Ctrl-C stops it)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    simulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
