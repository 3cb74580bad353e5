// The simulator's options: named defaults, merged over by the caller's, checked once, frozen.

import { randomInt } from 'node:crypto';

export type DropMode = 'going-away' | 'abrupt';

/** Log lines about connections, sessions and drops; a pino logger fits. */
export interface SimulatorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface SimulatorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  username: string;
  password: string;
  /** Events created per second (fractions allowed); 0 creates events only on emit(). */
  rate: number;
  /** How many events are retained for replay; older ones are discarded (a `gap` for a client behind them). */
  retain: number;
  /** The first event's Key. */
  firstKey: number;
  /** Each Key is the previous one plus a random 1..keyStep (1 makes keys contiguous). */
  keyStep: number;
  /** A session expires this long after it was created; undefined: never. */
  sessionTtlMs: number | undefined;
  /** Every this long, drop every connection (see dropMode); undefined: never. */
  dropEveryMs: number | undefined;
  /** going-away: close with 1001; abrupt: cut the TCP connection without a close frame. */
  dropMode: DropMode;
  pingIntervalMs: number;
  /** How long a client has to answer a ping (the contract's 10 s). */
  pongTimeoutMs: number;
  /** The most events in one `batch` frame. */
  batchSize: number;
  /** Identifies this event stream (keys are per instance); default: random, or drawn from seed. */
  instanceUuid: string | undefined;
  apiVersion: string;
  /** PEM certificate and key: serve https and wss. */
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** Same seed, same inventory, event sequence and keys (times and session ids still vary). */
  seed: number;
  logger: SimulatorLogger;
}

export const defaultCredentials = { username: 'administrator@vsphere.local', password: 'VMware1!' } as const;
// Above 2^31 (2_147_483_648) from the first event: a client holding keys in 32-bit ints breaks at once.
export const DEFAULT_FIRST_KEY = 2_147_484_000;
export const DEFAULT_RETAIN = 10_000;
export const DEFAULT_PING_INTERVAL_MS = 20_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_API_VERSION = '8.0.3.0';

const silent: SimulatorLogger = { info: () => undefined, warn: () => undefined };

export function defaults(): SimulatorOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    ...defaultCredentials,
    rate: 0,
    retain: DEFAULT_RETAIN,
    firstKey: DEFAULT_FIRST_KEY,
    keyStep: 5,
    sessionTtlMs: undefined,
    dropEveryMs: undefined,
    dropMode: 'going-away',
    pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
    pongTimeoutMs: DEFAULT_PONG_TIMEOUT_MS,
    batchSize: DEFAULT_BATCH_SIZE,
    instanceUuid: undefined,
    apiVersion: DEFAULT_API_VERSION,
    tls: undefined,
    seed: randomInt(2 ** 31),
    logger: silent,
  };
}

const isCount = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
const isPositive = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n > 0);

/** The caller's options over the defaults; RangeError naming the first wrong one. */
export function resolveOptions(options: Partial<SimulatorOptions>): Readonly<SimulatorOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: SimulatorOptions = { ...defaults(), ...given };
  const problems: Array<[boolean, string]> = [
    [isCount(o.port, 0) && o.port <= 65_535, 'port must be an integer in 0..65535'],
    [Number.isFinite(o.rate) && o.rate >= 0, 'rate must be a number of events per second, 0 or more'],
    [isCount(o.retain, 1), 'retain must be a whole number of events, at least 1'],
    [isCount(o.firstKey, 1), 'firstKey must be a positive integer (a Key is one)'],
    [isCount(o.keyStep, 1), 'keyStep must be an integer, at least 1'],
    [isCount(o.batchSize, 1), 'batchSize must be an integer, at least 1'],
    [isPositive(o.sessionTtlMs) && isPositive(o.dropEveryMs), 'sessionTtlMs and dropEveryMs must be positive when given'],
    [isPositive(o.pingIntervalMs) && isPositive(o.pongTimeoutMs), 'pingIntervalMs and pongTimeoutMs must be positive'],
    [o.dropMode === 'going-away' || o.dropMode === 'abrupt', 'dropMode must be going-away or abrupt'],
    [o.username.length > 0 && !o.username.includes(':'), 'username must be non-empty and hold no ":" (HTTP Basic)'],
  ];
  const wrong = problems.find(([ok]) => !ok);
  if (wrong) throw new RangeError(`vCenter simulator: ${wrong[1]}`);
  return Object.freeze(o);
}
