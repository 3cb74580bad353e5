// switchboard.yaml as the schema accepted it → ResolvedConfig: defaults applied, durations
// and sizes as numbers, paths absolute. No I/O; the few limits between values the schema
// cannot express come back as problems at their positions.

import { isAbsolute, resolve } from 'node:path';
import { configDefaults, maxFunctionTimeout } from './defaults.js';
import type { CodedProblem } from './problems.js';
import { checkSubscription, declaredAt, readTrigger, subscriptionFromTrigger, type WrittenSubscription } from './subscription.js';
import type { BusConfig, LogConfig, ResolvedConfig, SourceConfig, StreamRetention } from './types.js';
import { parseDuration, parseSize } from './units.js';
import { problemAt, type YamlFile } from './yaml-file.js';

interface WrittenRetention { maxAge?: string; maxBytes?: number | string; maxMessages?: number }

/** switchboard.yaml as the schema accepted it. */
export interface WrittenConfig {
  apiVersion: string;
  bus?: {
    url?: string; dataDir?: string; port?: number; user?: string; password?: string; token?: string;
    duplicateWindow?: string; replicas?: number; ackWait?: string;
    retention?: { events?: WrittenRetention; deadLetter?: WrittenRetention; invocations?: WrittenRetention };
  };
  http?: { listen?: string; operatorToken?: string };
  functions?: { dir?: string; timeout?: string; loadTimeout?: string; memory?: number; maxWorkers?: number; maxChainDepth?: number; secretsDir?: string; sandbox?: 'required' | 'best-effort'; watch?: boolean; prestartedWorkers?: number };
  log?: { level?: LogConfig['level'] };
  shutdownTimeout?: string;
  sources?: SourceConfig[];
  subscriptions?: WrittenSubscription[];
}

function retention(written: WrittenRetention | undefined, d: Required<WrittenRetention>): StreamRetention {
  return {
    maxAgeMs: parseDuration(written?.maxAge ?? d.maxAge),
    maxBytes: parseSize(written?.maxBytes ?? d.maxBytes),
    maxMessages: written?.maxMessages ?? d.maxMessages,
  };
}

function resolveBus(written: WrittenConfig['bus'], baseDir: string): BusConfig {
  const d = configDefaults.bus;
  const url = written?.url ?? d.url;
  const embedded = url === 'embedded';
  return {
    url,
    // An embedded bus's address is known only once its server runs (the appliance sets it).
    servers: embedded ? [] : url.split(',').map((s) => s.trim()),
    embedded,
    port: written?.port ?? d.port,
    dataDir: resolve(baseDir, written?.dataDir ?? d.dataDir),
    ...(written?.user !== undefined ? { user: written.user } : {}),
    ...(written?.password !== undefined ? { password: written.password } : {}),
    ...(written?.token !== undefined ? { token: written.token } : {}),
    events: retention(written?.retention?.events, d.retention.events),
    deadLetter: retention(written?.retention?.deadLetter, d.retention.deadLetter),
    invocations: retention(written?.retention?.invocations, d.retention.invocations),
    duplicateWindowMs: parseDuration(written?.duplicateWindow ?? d.duplicateWindow),
    replicas: written?.replicas ?? d.replicas,
    ackWaitMs: parseDuration(written?.ackWait ?? d.ackWait),
  };
}

/** `host:port` and `[v6]:port` → host without brackets (as net.Server.listen takes it), port. */
export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(colon + 1)) };
}

/** The resolved config; `subscriptions` holds only those written in this file. */
export function resolveConfig(yaml: YamlFile, written: WrittenConfig, baseDir: string): { config: ResolvedConfig; problems: CodedProblem[] } {
  const problems: CodedProblem[] = [];
  const code = 'SB_CONFIG_INVALID';
  const http = {
    ...parseListen(written.http?.listen ?? configDefaults.http.listen),
    ...(written.http?.operatorToken === undefined ? {} : { operatorToken: written.http.operatorToken }),
  };
  if (http.port > 65535) problems.push(problemAt(yaml, ['http', 'listen'], 'expected a port from 0 to 65535', code));

  const bus = resolveBus(written.bus, baseDir);
  if (bus.ackWaitMs !== undefined && bus.ackWaitMs < 1_000) {
    problems.push(problemAt(yaml, ['bus', 'ackWait'], 'expected a duration of at least 1s', code));
  }

  const f = configDefaults.functions;
  const defaultTimeoutMs = parseDuration(written.functions?.timeout ?? f.timeout);
  if (defaultTimeoutMs > parseDuration(maxFunctionTimeout)) {
    problems.push(problemAt(yaml, ['functions', 'timeout'], `expected a duration of at most ${maxFunctionTimeout}, the longest a function may run`, code));
  }

  const subscriptions = (written.subscriptions ?? []).map((s, i) => {
    const path = ['subscriptions', i];
    problems.push(...checkSubscription(yaml, path, s, code));
    return subscriptionFromTrigger(readTrigger(s, declaredAt(yaml, path)), s.function ?? '');
  });

  const dir = written.functions?.dir ?? f.dir;
  const secretsDir = written.functions?.secretsDir ?? f.secretsDir;
  const config: ResolvedConfig = {
    file: yaml.file,
    baseDir,
    bus,
    http,
    functions: {
      dir: isAbsolute(dir) ? dir : resolve(baseDir, dir),
      defaultTimeoutMs,
      loadTimeoutMs: parseDuration(written.functions?.loadTimeout ?? f.loadTimeout),
      defaultMemoryMb: written.functions?.memory ?? f.memory,
      maxWorkersPerFunction: written.functions?.maxWorkers ?? f.maxWorkers,
      maxChainDepth: written.functions?.maxChainDepth ?? f.maxChainDepth,
      secretsDir: isAbsolute(secretsDir) ? secretsDir : resolve(baseDir, secretsDir),
      sandbox: written.functions?.sandbox ?? f.sandbox,
      prestartedWorkers: written.functions?.prestartedWorkers ?? f.prestartedWorkers,
      watch: written.functions?.watch ?? f.watch,
    },
    log: { level: written.log?.level ?? configDefaults.log.level },
    shutdownTimeoutMs: parseDuration(written.shutdownTimeout ?? configDefaults.shutdownTimeout),
    sources: written.sources ?? [],
    subscriptions,
  };
  return { config, problems };
}
