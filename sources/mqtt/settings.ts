// An mqtt source's config → what its connections need, worked out once when the source is
// built: defaults applied, durations in the units MQTT counts in, and the MQTT.js options.
// TLS files are read at start (readTls), so a missing file is that source's failure alone.

import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import { parseDuration } from '../../src/config/units.js';
import { defaultClientId, mqttDefaults, type MqttConfig, type MqttTlsConfig } from './schema.js';
import type { WrapOptions } from './to-cloudevent.js';

export interface MqttSettings {
  readonly name: string;
  readonly url: string;
  readonly topics: readonly string[];
  readonly qos: 0 | 1 | 2;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly cleanSession: boolean;
  readonly sessionExpirySeconds: number;
  readonly protocolVersion: 4 | 5;
  readonly keepaliveSeconds: number;
  readonly tls?: MqttTlsConfig;
  readonly wrap: WrapOptions;
}

export function resolveSettings(config: MqttConfig): MqttSettings {
  const merged = { ...mqttDefaults(), ...config };
  return Object.freeze({
    name: config.name,
    url: config.url,
    topics: Object.freeze([...config.topics]),
    qos: merged.qos,
    clientId: config.clientId ?? defaultClientId(config.name),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    cleanSession: merged.cleanSession,
    sessionExpirySeconds: Math.floor(parseDuration(merged.sessionExpiry) / 1000),
    protocolVersion: merged.protocolVersion,
    keepaliveSeconds: Math.floor(parseDuration(merged.keepalive) / 1000),
    ...(config.tls !== undefined ? { tls: config.tls } : {}),
    wrap: Object.freeze({ source: eventSource(config.url), type: merged.eventType }),
  });
}

/** The CloudEvent source of plain messages: the broker URL as written, scheme and host lower-cased. */
export function eventSource(url: string): string {
  const m = /^([^:]+):\/\/([^/]+)(.*)$/.exec(url)!;
  return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3]}`;
}

export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export async function readTls(tls: MqttTlsConfig | undefined): Promise<TlsMaterial | undefined> {
  if (tls === undefined) return undefined;
  const read = async (key: 'caFile' | 'certFile' | 'keyFile') => {
    const file = tls[key];
    if (file === undefined) return undefined;
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`tls.${key} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): give the path of a PEM file`, { cause: err });
    }
  };
  const [ca, cert, key] = [await read('caFile'), await read('certFile'), await read('keyFile')];
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: tls.insecure !== true,
  };
}

/**
 * MQTT.js options for one connection. It never reconnects by itself (reconnectPeriod 0):
 * the source loop does, with exponential backoff and jitter, on a fresh client.
 */
export function clientOptions(settings: MqttSettings, tls: TlsMaterial | undefined, connectTimeoutMs: number): IClientOptions {
  return {
    clientId: settings.clientId,
    protocolVersion: settings.protocolVersion,
    clean: settings.cleanSession,
    keepalive: settings.keepaliveSeconds,
    reconnectPeriod: 0,
    connectTimeout: connectTimeoutMs,
    resubscribe: false,
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    // MQTT 5 3.1.2.11.2: without a Session Expiry Interval the session ends with the
    // connection, Clean Start or not — and with it the messages kept for the source.
    ...(settings.protocolVersion === 5 ? { properties: { sessionExpiryInterval: settings.cleanSession ? 0 : settings.sessionExpirySeconds } } : {}),
    ...(tls ?? {}),
  };
}
