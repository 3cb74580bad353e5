// A function as the registry found it in the functions folder.

import type { DeclaredAt, Filter, RetryPolicy } from '../config/types.js';

export interface FunctionManifest {
  /** Environment of the function's process: exactly these, nothing of the appliance's. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** Subscriptions declared by the function itself: the subscription shape without `function`. */
  readonly triggers: readonly FunctionTrigger[];
  /** Secrets this function (and no other) is given, as env vars and read-only files. */
  readonly secrets: readonly FunctionSecret[];
  /** Warm workers never retired for idleness (a floor; workers start on first use). */
  readonly minWarm: number;
  /** An idle worker above minWarm exits after this long (scale to zero). */
  readonly idleTimeoutMs: number;
  /** A worker is replaced after this many invocations; 0 = never. */
  readonly maxInvocations: number;
  /** false: no network at all (needs bubblewrap). Default true: functions call APIs. */
  readonly network: boolean;
  /** Invocations of this function running at once (its warm workers at most); unset = functions.maxWorkers. */
  readonly concurrency?: number;
}

export interface FunctionSecret {
  readonly name: string;
  /** <functions.secretsDir>/<name>: the function may read it, nothing else there. */
  readonly file: string;
  /** The env var holding its value (`chat-url` → CHAT_URL); <envName>_FILE holds the path. */
  readonly envName: string;
}

export interface FunctionTrigger {
  readonly name: string;
  readonly filters: readonly Filter[];
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  readonly deadLetter?: boolean;
  readonly ordered?: boolean;
  readonly concurrency?: number;
  readonly declaredAt: DeclaredAt;
}

/**
 * How a function is run. javascript and typescript: in a warm forked Node worker (TypeScript
 * transpiled first). python, shell and executable: one sandboxed process per invocation, the
 * event on stdin (processors/local/executable/).
 */
export type FunctionRuntime = 'javascript' | 'typescript' | 'python' | 'shell' | 'executable';

export interface FunctionDefinition {
  readonly name: string;
  readonly runtime: FunctionRuntime;
  /** Absolute path of the file to load or run (index.js, handler.py, <name>.sh, an executable…). */
  readonly entry: string;
  /**
   * A hash of the function's files and manifest: a reload that changes it gets new workers,
   * while invocations already running finish on the old ones.
   */
  readonly version: string;
  /** Absolute folder the function may read: its own folder, or for a single file that file only. */
  readonly readablePaths: readonly string[];
  /** Absolute path of the manifest, when there is one. */
  readonly manifestFile?: string;
  readonly manifest: FunctionManifest;
}

/** Lookup the processor uses; the registry implements it. */
export interface FunctionCatalog {
  get(name: string): FunctionDefinition | undefined;
  names(): string[];
}
