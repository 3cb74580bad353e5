// The `mqtt` entry of `sources:`: which broker, which topics at which QoS, the session that
// keeps messages while the appliance is away, credentials and TLS trust.

import { existsSync } from 'node:fs';
import type { SourceConfigProblem } from '../source.js';
import { durationSchema, parseDuration } from '../../src/config/units.js';

export interface MqttTlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly insecure?: boolean;
}

export interface MqttConfig {
  readonly name: string;
  readonly type: 'mqtt';
  readonly url: string;
  readonly topics: readonly string[];
  readonly qos?: 0 | 1 | 2;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly cleanSession?: boolean;
  readonly sessionExpiry?: string;
  readonly protocolVersion?: 4 | 5;
  readonly keepalive?: string;
  readonly tls?: MqttTlsConfig;
  readonly eventType?: string;
}

export const defaultEventType = 'com.switchboard.mqtt.message';
/** MQTT 3.1.1 3.1.2.10 and MQTT 5 3.1.2.10: Keep Alive is a two-byte number of seconds. */
const maxKeepaliveSeconds = 65_535;
/** MQTT 5 3.1.2.11.2: Session Expiry Interval is a four-byte number of seconds. */
const maxSessionExpirySeconds = 4_294_967_295;

export function mqttDefaults(): Required<Pick<MqttConfig, 'qos' | 'cleanSession' | 'sessionExpiry' | 'protocolVersion' | 'keepalive' | 'eventType'>> {
  return { qos: 1, cleanSession: false, sessionExpiry: '1d', protocolVersion: 5, keepalive: '60s', eventType: defaultEventType };
}

/** The client id a source uses unless its config names one: stable, so its session is found again. */
export function defaultClientId(sourceName: string): string {
  return `switchboard-${sourceName}`;
}

const fileSchema = (description: string) => ({ type: 'string', minLength: 1, description });

export const mqttSchema = {
  type: 'object',
  description: 'Subscribes to topics on an MQTT 3.1.1 or 5 broker; each message becomes a CloudEvent, acknowledged to the broker only once the bus stored it.',
  required: ['name', 'type', 'url', 'topics'],
  additionalProperties: false,
  properties: {
    name: { $ref: '#/$defs/sourceName' },
    type: { const: 'mqtt' },
    url: {
      type: 'string',
      // No credentials in the URL (username and password are keys) and no query: the URL
      // as written, without them, is the CloudEvent source.
      pattern: '^([mM][qQ][tT][tT][sS]?|[wW][sS][sS]?)://[^\\s/?#@]+(/[^\\s?#]*)?$',
      description: 'The broker: mqtt://host:1883, mqtts://host:8883 (TLS), ws://host/mqtt or wss://host/mqtt (WebSocket). Also the CloudEvent source of plain messages.',
    },
    topics: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        minLength: 1,
        // MQTT 4.7.1: `+` and `#` only as whole levels, `#` only last.
        pattern: '^(([^+#/]*|\\+)/)*([^+#/]*|\\+|#)$',
        description: 'A topic filter; + matches one level, # the rest (sensors/+/temperature, plant/#). $share/<group>/<filter> splits messages between subscribers.',
      },
      description: 'Topic filters to subscribe to.',
    },
    qos: {
      enum: [0, 1, 2],
      default: 1,
      description: 'Highest QoS to receive at. 1 (default) and 2: a message is acknowledged only after the bus stored it, and redelivered otherwise. 0: a message that cannot be stored is lost.',
    },
    clientId: {
      type: 'string', minLength: 1, maxLength: 65535,
      description: 'MQTT client id; default switchboard-<name>. Keep it stable: the broker finds the session (and the messages kept for it) by it. Two appliances on one broker need different ones.',
    },
    username: { type: 'string', minLength: 1, description: 'User name to connect with.' },
    password: { type: 'string', minLength: 1, description: 'Its password; use ${env:NAME} or ${file:/path}.' },
    cleanSession: {
      type: 'boolean', default: false,
      description: 'false (default): the broker keeps the session, and the QoS 1 and 2 messages published while the source is away, for sessionExpiry. true: start afresh at every connection; what was not received is lost.',
    },
    sessionExpiry: { ...durationSchema, default: '1d', description: 'MQTT 5: how long the broker keeps the session after the connection ends (cleanSession false). Default 1d.' },
    protocolVersion: { enum: [4, 5], default: 5, description: '5 (default): MQTT 5. 4: MQTT 3.1.1.' },
    keepalive: { ...durationSchema, default: '60s', description: 'Keep Alive: the connection is checked with a ping when idle this long; 0s disables. Default 60s.' },
    tls: {
      type: 'object',
      additionalProperties: false,
      description: 'TLS for mqtts:// and wss:// URLs: whom to trust and the client certificate.',
      dependencies: { certFile: ['keyFile'], keyFile: ['certFile'] },
      properties: {
        caFile: fileSchema('PEM file of the CA(s) that signed the broker certificate; default the system CAs.'),
        certFile: fileSchema('PEM client certificate, for brokers that authenticate clients by certificate (with keyFile).'),
        keyFile: fileSchema('PEM private key of certFile.'),
        insecure: { type: 'boolean', default: false, description: 'Accept any broker certificate (a lab broker with a self-signed one). Prefer caFile.' },
      },
    },
    eventType: { type: 'string', minLength: 1, default: defaultEventType, description: `CloudEvent type of plain messages (not CloudEvents themselves). Default ${defaultEventType}.` },
  },
  dependencies: { password: ['username'] },
} as const;

/** Checks the schema cannot express: files that must exist, TLS only where it applies, number ranges. */
export function validateMqttConfig(config: MqttConfig): readonly SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [];
  if (config.tls !== undefined && !/^(mqtts|wss):/i.test(config.url)) {
    problems.push({ path: ['tls'], message: 'applies to mqtts:// and wss:// URLs only: use one, or remove tls' });
  }
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const file = config.tls?.[key];
    if (file !== undefined && !existsSync(file)) problems.push({ path: ['tls', key], message: `${file} does not exist: give the path of a PEM file` });
  }
  if (config.keepalive !== undefined && parseDuration(config.keepalive) > maxKeepaliveSeconds * 1000) {
    problems.push({ path: ['keepalive'], message: `expected at most ${maxKeepaliveSeconds}s (MQTT Keep Alive is a two-byte number of seconds)` });
  }
  if (config.sessionExpiry !== undefined && parseDuration(config.sessionExpiry) > maxSessionExpirySeconds * 1000) {
    problems.push({ path: ['sessionExpiry'], message: `expected at most ${maxSessionExpirySeconds}s` });
  }
  return problems;
}
