// What an operator is shown of a function (`switchboard functions list`, GET /functions):
// its runtime, files and manifest, never the values of its env or secrets.

import type { FunctionDefinition } from './function-definition.js';

export interface FunctionDescription {
  readonly name: string;
  readonly runtime: FunctionDefinition['runtime'];
  readonly entry: string;
  readonly version: string;
  readonly manifest: string | null;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly concurrency: number | null;
  readonly network: boolean;
  readonly minWarm: number;
  readonly idleTimeoutMs: number;
  readonly maxInvocations: number;
  /** Names only: values may be credentials. */
  readonly env: readonly string[];
  readonly secrets: readonly string[];
  readonly subscriptions: readonly string[];
}

export function describeFunction(fn: FunctionDefinition, subscriptions: readonly string[]): FunctionDescription {
  const m = fn.manifest;
  return {
    name: fn.name,
    runtime: fn.runtime,
    entry: fn.entry,
    version: fn.version,
    manifest: fn.manifestFile ?? null,
    timeoutMs: m.timeoutMs,
    memoryMb: m.memoryMb,
    concurrency: m.concurrency ?? null,
    network: m.network,
    minWarm: m.minWarm,
    idleTimeoutMs: m.idleTimeoutMs,
    maxInvocations: m.maxInvocations,
    env: Object.keys(m.env),
    secrets: m.secrets.map((s) => s.name),
    subscriptions,
  };
}
