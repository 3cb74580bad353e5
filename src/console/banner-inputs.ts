// Gathers what the console banner shows: the configuration (for http.listen), the machine's
// addresses, the running appliance's /readyz and the OVF status this boot wrote. Nothing
// here throws for a state the banner should show instead (a broken config, no answer, an
// unreadable status file): the console must say what is wrong rather than keep stale text.

import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { loadConfigFile } from '../config/load.js';
import { ConfigError, isSwitchboardError } from '../errors.js';
import { hostUrl, isWildcardHost, localUrl } from '../http/local-url.js';
import { ovfStatusFile } from '../ovf/status.js';
import { readVersion } from '../version.js';
import type { ReadinessCheck } from '../http/operator-endpoints.js';
import type { BannerInputs, OvfProblem, OvfReport, OvfStatus, Readiness, ReadinessUnknown } from './banner.js';

/** Written by the boot-time OVF-properties step (`switchboard ovf apply`). */
export const defaultOvfStatusFile = ovfStatusFile;
/** The console is redrawn every 30 s: a hung appliance must not hold the banner longer than this. */
export const readyzTimeoutMs = 2_000;

export interface GatherOptions {
  readonly configPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly ovfStatusFile?: string;
  readonly readyzTimeoutMs?: number;
}

export async function gatherBannerInputs(options: GatherOptions = {}): Promise<BannerInputs> {
  const [version, appliance, ovf] = await Promise.all([
    readVersion(),
    readAppliance(options),
    readOvfStatus(options.ovfStatusFile ?? defaultOvfStatusFile),
  ]);
  return { version, hostname: hostname(), ...appliance, ...(ovf ? { ovf } : {}) };
}

async function readAppliance(options: GatherOptions): Promise<Pick<BannerInputs, 'urls' | 'port' | 'readiness'>> {
  let host: string;
  let port: number;
  try {
    const config = await loadConfigFile({ configPath: options.configPath, env: options.env });
    ({ host, port } = config.http);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const more = err instanceof ConfigError && err.problems.length > 1 ? ` (and ${err.problems.length - 1} more)` : '';
    const message = `${first}${more}`;
    return { urls: [], readiness: { reason: 'config', message, ...(isSwitchboardError(err) ? { code: err.code } : {}) } };
  }
  const url = localUrl({ host, port }, '/readyz');
  const readiness = await fetchReadiness(url, options.readyzTimeoutMs ?? readyzTimeoutMs);
  return { urls: applianceUrls(host, port, networkInterfaces()), port, readiness };
}

/**
 * The URLs an operator can open: on a wildcard listen, one per non-loopback IPv4 address of
 * the machine (in interface order); otherwise the one address the appliance listens on.
 */
export function applianceUrls(host: string, port: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  if (!isWildcardHost(host)) return [hostUrl(host, port)];
  const addresses = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    // `family` is 4 (a number) on Node 18.0-18.3, 'IPv4' elsewhere.
    .filter((a) => !a.internal && (a.family === 'IPv4' || (a.family as unknown) === 4))
    .map((a) => a.address);
  return [...new Set(addresses)].map((address) => hostUrl(address, port));
}

export async function fetchReadiness(url: string, timeoutMs: number): Promise<Readiness | ReadinessUnknown> {
  try {
    // The timeout covers the body too: the signal aborts the stream being read.
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await response.text();
    return parseReadiness(response.status, body) ?? {
      reason: 'no-answer',
      url,
      message: `HTTP ${response.status} that is not a Switchboard /readyz (another program on this port?)`,
    };
  } catch (err) {
    return { reason: 'no-answer', url, message: whyNoAnswer(err, timeoutMs) };
  }
}

/** /readyz's JSON (`{status, checks: [{name, ok, detail?}]}`), or undefined if it is not that. */
export function parseReadiness(httpStatus: number, body: string): Readiness | undefined {
  if (httpStatus !== 200 && httpStatus !== 503) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const checks = (parsed as { checks?: unknown } | null)?.checks;
  if (!Array.isArray(checks) || !checks.every(isCheck)) return undefined;
  return { ready: httpStatus === 200, checks: checks.map(({ name, ok, detail }) => ({ name, ok, ...(detail === undefined ? {} : { detail }) })) };
}

function isCheck(value: unknown): value is ReadinessCheck {
  const c = value as Partial<ReadinessCheck> | null;
  return typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.ok === 'boolean' &&
    (c.detail === undefined || typeof c.detail === 'string');
}

function whyNoAnswer(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The status file of this boot; undefined when there is none (no OVF step ran: say nothing). */
export async function readOvfStatus(file: string): Promise<OvfReport | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { file, error: code ?? (err as Error).message };
  }
  try {
    const status = parseOvfStatus(JSON.parse(text));
    return status ? { file, status } : { file, error: 'not an OVF status (expected transport, problems and changed)' };
  } catch {
    return { file, error: 'not valid JSON' };
  }
}

export function parseOvfStatus(value: unknown): OvfStatus | undefined {
  const v = value as Partial<Record<keyof OvfStatus, unknown>> | null;
  if (typeof v !== 'object' || v === null || typeof v.transport !== 'string') return undefined;
  if (!Array.isArray(v.problems) || !v.problems.every(isOvfProblem)) return undefined;
  if (!Array.isArray(v.changed) || !v.changed.every((p) => typeof p === 'string')) return undefined;
  return {
    transport: v.transport,
    problems: v.problems.map(({ key, label, message }) => ({ key, label, message })),
    changed: v.changed as string[],
    ...(typeof v.appliedAt === 'string' ? { appliedAt: v.appliedAt } : {}),
  };
}

function isOvfProblem(value: unknown): value is OvfProblem {
  const p = value as Partial<OvfProblem> | null;
  return typeof p === 'object' && p !== null && typeof p.key === 'string' && typeof p.label === 'string' && typeof p.message === 'string';
}
