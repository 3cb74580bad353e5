import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { mqttDefaults, mqttSchema, validateMqttConfig, type MqttConfig } from '../../sources/mqtt/schema.js';
import { clientOptions, eventSource, resolveSettings } from '../../sources/mqtt/settings.js';
import { loadError, loadTree, minimalConfig } from '../fixtures/config/load-tree.js';

// The root config schema supplies $defs; a stand-in is enough to exercise this fragment.
const validate = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true }).compile({ ...mqttSchema, $defs: { sourceName: { type: 'string' } } });
const base = { name: 'plant', type: 'mqtt', url: 'mqtt://broker.lab:1883', topics: ['plant/#'] };
const accepts = (extra: Record<string, unknown>) => validate({ ...base, ...extra });

describe('mqtt config schema', () => {
  it.each(['mqtt://b', 'mqtts://b:8883', 'ws://b:8080/mqtt', 'wss://b/mqtt', 'MQTT://B'])('accepts the broker URL %s', (url) => {
    expect(accepts({ url })).toBe(true);
  });

  it.each(['http://b', 'mqtt://user:pw@b', 'mqtt://b?x=1', 'b:1883'])('refuses the broker URL %s', (url) => {
    expect(accepts({ url })).toBe(false);
  });

  it.each(['a/b', 'sensors/+/temperature', 'plant/#', '#', '+', '$share/switchboard/plant/#', '/leading'])('accepts the topic filter %s', (topic) => {
    expect(accepts({ topics: [topic] })).toBe(true);
  });

  it.each(['a/#/b', 'a#', 'a/b+', '+a/b', ''])('refuses the topic filter %j: + and # stand for whole levels, # only last', (topic) => {
    expect(accepts({ topics: [topic] })).toBe(false);
  });

  it('refuses no topics, an unknown QoS or protocol, a password without user, a certificate without key, an unknown key', () => {
    expect(accepts({ topics: [] })).toBe(false);
    expect(accepts({ qos: 3 })).toBe(false);
    expect(accepts({ protocolVersion: 3 })).toBe(false);
    expect(accepts({ password: 'pw' })).toBe(false);
    expect(accepts({ url: 'mqtts://b', tls: { certFile: '/c.pem' } })).toBe(false);
    expect(accepts({ type: 'mqtt', broker: 'x' })).toBe(false);
  });
});

describe('mqtt checks beyond the schema', () => {
  const check = (extra: Partial<MqttConfig>) => validateMqttConfig({ ...(base as MqttConfig), ...extra });

  it('wants tls only for mqtts:// and wss://, and its files to exist', () => {
    expect(check({ tls: { insecure: true } })).toEqual([{ path: ['tls'], message: expect.stringMatching(/mqtts:\/\/ and wss:\/\//) }]);
    expect(check({ url: 'mqtts://b', tls: { caFile: '/nonexistent/ca.pem' } })).toEqual([{ path: ['tls', 'caFile'], message: expect.stringMatching(/does not exist/) }]);
    expect(check({ url: 'wss://b/mqtt', tls: { caFile: import.meta.filename } })).toEqual([]);
  });

  it('keeps keepalive within what MQTT can carry', () => {
    expect(check({ keepalive: '19h' })).toEqual([{ path: ['keepalive'], message: expect.stringMatching(/at most 65535s/) }]);
    expect(check({ keepalive: '0s' })).toEqual([]);
  });

  it('is run by the config loader, which reports the line of the key', async () => {
    const e = await loadError({
      'switchboard.yaml': `${minimalConfig}sources:\n  - name: plant\n    type: mqtt\n    url: mqtt://broker.lab\n    topics: [plant/#]\n    tls:\n      caFile: /nonexistent/ca.pem\n`,
    });
    expect(e.code).toBe('SB_CONFIG_INVALID');
    expect(e.problems).toEqual([expect.objectContaining({ line: 8, column: 7, path: 'sources[0].tls' }), expect.objectContaining({ line: 8, column: 15, path: 'sources[0].tls.caFile' })]);
  });

  it('a valid entry loads as written', async () => {
    const { config } = await loadTree({ 'switchboard.yaml': `${minimalConfig}sources:\n  - { name: plant, type: mqtt, url: "mqtt://b", topics: ["plant/#"], qos: 2 }\n` });
    expect(config.sources).toEqual([{ name: 'plant', type: 'mqtt', url: 'mqtt://b', topics: ['plant/#'], qos: 2 }]);
  });
});

describe('mqtt connection settings', () => {
  it('default to QoS 1, a persistent MQTT 5 session of a day under a stable client id', () => {
    const settings = resolveSettings(base as MqttConfig);
    expect(settings).toMatchObject({ qos: 1, clientId: 'switchboard-plant', cleanSession: false, protocolVersion: 5, sessionExpirySeconds: 86_400, keepaliveSeconds: 60 });
    expect(clientOptions(settings, undefined, 10_000)).toMatchObject({
      clientId: 'switchboard-plant', clean: false, protocolVersion: 5, keepalive: 60, reconnectPeriod: 0, properties: { sessionExpiryInterval: 86_400 },
    });
    expect(mqttDefaults()).not.toBe(mqttDefaults());
  });

  it('end the MQTT 5 session with the connection when cleanSession is true, and carry no MQTT 5 properties under 3.1.1', () => {
    expect(clientOptions(resolveSettings({ ...(base as MqttConfig), cleanSession: true }), undefined, 1).properties).toEqual({ sessionExpiryInterval: 0 });
    expect(clientOptions(resolveSettings({ ...(base as MqttConfig), protocolVersion: 4 }), undefined, 1)).not.toHaveProperty('properties');
  });

  it('name the broker as the CloudEvent source of plain messages', () => {
    expect(eventSource('MQTTS://Broker.Lab:8883')).toBe('mqtts://broker.lab:8883');
    expect(eventSource('wss://b.lab/mqtt')).toBe('wss://b.lab/mqtt');
  });
});
