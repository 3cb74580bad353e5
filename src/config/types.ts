// The resolved configuration: what the rest of the appliance reads after `loadConfig`
// validated the YAML, resolved ${env:}/${file:} references, applied defaults, turned
// durations into milliseconds and made paths absolute. Frozen once built.

import type { Filter } from '../filters/types.js';

// The filter shapes live with the filter engine (src/filters/).
export type { DataMatcher, DataPath, DataScalar, Filter } from '../filters/types.js';

export interface ResolvedConfig {
  /** Absolute path of the file this came from. */
  readonly file: string;
  /** Directory of that file: relative paths in the config resolve against it. */
  readonly baseDir: string;
  readonly bus: BusConfig;
  readonly http: HttpConfig;
  readonly functions: FunctionsConfig;
  readonly log: LogConfig;
  readonly shutdownTimeoutMs: number;
  readonly sources: readonly SourceConfig[];
  readonly subscriptions: readonly SubscriptionConfig[];
}

export interface BusConfig {
  /** 'embedded', or a comma-separated list of nats:// URLs. */
  readonly url: string;
  readonly servers: readonly string[];
  readonly embedded: boolean;
  /** Loopback port of the embedded nats-server (the CLI connects to it too). */
  readonly port: number;
  readonly dataDir: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly events: StreamRetention;
  readonly deadLetter: StreamRetention;
  /** The INVOCATIONS stream: records of invocations, oldest dropped first. */
  readonly invocations: StreamRetention;
  readonly duplicateWindowMs: number;
  readonly replicas: number;
  /** Redelivery after this long without an ack or in-progress signal (crash recovery). */
  readonly ackWaitMs?: number;
}

export interface StreamRetention {
  readonly maxAgeMs: number;
  /** -1 = unlimited. */
  readonly maxBytes: number;
  /** -1 = unlimited. */
  readonly maxMessages: number;
}

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  /** Bearer token the operator endpoints (/invocations, /functions, /metrics) require, when set. */
  readonly operatorToken?: string;
}

export interface FunctionsConfig {
  readonly dir: string;
  readonly defaultTimeoutMs: number;
  readonly defaultMemoryMb: number;
  /** Warm workers kept per function at most. */
  /** A worker's start and module load (a cold start), apart from the invocation timeout. */
  readonly loadTimeoutMs: number;
  readonly maxWorkersPerFunction: number;
  /** Events returned by functions: how deep a chain may go before it is dead-lettered. */
  readonly maxChainDepth: number;
  /** Where `secrets: [name]` of a manifest are read from: <secretsDir>/<name>. */
  readonly secretsDir: string;
  /**
   * required: executables (Python, shell, binaries) run only inside bubblewrap; without it
   * they are refused. best-effort: without bubblewrap they run unsandboxed, with a warning.
   */
  readonly sandbox: 'required' | 'best-effort';
  /** Generic Node workers kept started for JavaScript functions to adopt (0: none). */
  readonly prestartedWorkers: number;
  /** Hot reload: watch the functions folder, subscriptions/ and this file, and apply changes. */
  readonly watch: boolean;
}

export interface LogConfig {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
}

/** A source entry: `name` and `type` plus the type's own keys, validated by its schema fragment. */
export interface SourceConfig {
  readonly name: string;
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Where in which file a thing was declared, so later errors can point at it. */
export interface DeclaredAt {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Key path inside that file, e.g. `subscriptions[1]`. */
  readonly path: string;
}

export interface RetryPolicy {
  /** Total attempts including the first delivery. */
  readonly attempts: number;
  readonly backoff: 'exponential' | 'linear';
  readonly delayMs: number;
  readonly maxDelayMs: number;
}

export interface SubscriptionConfig {
  readonly name: string;
  readonly function: string;
  /** A list: all must match. Empty matches every event. */
  readonly filters: readonly Filter[];
  readonly retry: RetryPolicy;
  /** Overrides the function manifest's timeout when set. */
  readonly timeoutMs?: number;
  readonly deadLetter: boolean;
  readonly ordered: boolean;
  /** Events of this subscription in flight at once when not ordered. */
  readonly concurrency: number;
  readonly declaredAt: DeclaredAt;
}
