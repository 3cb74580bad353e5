// The mqtt source against a real mosquitto, with a fake bus standing for the intake
// (../helpers/mqtt-harness.ts). What the operator relies on: every message becomes the
// right CloudEvent, and the broker hears PUBACK (PUBREC) only after the store.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMqttSource } from '../../sources/mqtt/index.js';
import { eventually } from '../helpers/appliance.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { createMqttHarness, FakeBus, silentDeps, type MqttHarness } from '../helpers/mqtt-harness.js';
import { startMqttTap, type MqttTap } from '../helpers/mqtt-tap.js';

let broker: TestMosquitto;
let mqtt: MqttHarness;
let certDir: string;
const taps: MqttTap[] = [];

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1: its own CA.
  certDir = await mkdtemp(join(tmpdir(), 'sb-mqtt-tls-'));
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')]);
  broker = await startMosquitto({ tls: { certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') } });
  mqtt = await createMqttHarness(broker.url);
});
afterEach(async () => {
  await mqtt.stopAll();
  for (const tap of taps.splice(0)) await tap.close();
});
afterAll(async () => {
  await mqtt?.close();
  await broker?.dispose();
  await rm(certDir, { recursive: true, force: true });
});

async function startTap(): Promise<MqttTap> {
  const started = await startMqttTap(broker.port);
  taps.push(started);
  return started;
}

describe('mqtt source: messages become CloudEvents', () => {
  it('turns JSON, text and binary payloads into events whose subject is the topic, through a wildcard', async () => {
    const { bus } = await mqtt.startSource({ topics: ['plant/+/temperature', 'plant/alarms/#'] });
    await mqtt.publish('plant/boiler/temperature', '{"celsius": 81.5}');
    await mqtt.publish('plant/alarms/boiler', 'pressure high');
    await mqtt.publish('plant/alarms/raw', Buffer.from([0xff, 0x00, 0xfe]));
    await mqtt.publish('plant/boiler/pressure', 'not subscribed');
    await eventually(() => bus.events.length >= 3, 10_000, 'three events');
    const source = broker.url;
    expect(bus.events).toEqual([
      expect.objectContaining({ source, type: 'com.switchboard.mqtt.message', subject: 'plant/boiler/temperature', datacontenttype: 'application/json', data: { celsius: 81.5 } }),
      expect.objectContaining({ source, subject: 'plant/alarms/boiler', datacontenttype: 'text/plain; charset=utf-8', data: 'pressure high' }),
      expect.objectContaining({ source, subject: 'plant/alarms/raw', datacontenttype: 'application/octet-stream', data_base64: '/wD+' }),
    ]);
    for (const event of bus.events) expect(Date.parse(event.time!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('honours the MQTT 5 Content Type of a plain message, and the configured event type', async () => {
    const { bus } = await mqtt.startSource({ topics: ['typed/#'], eventType: 'com.example.plant.reading' });
    await mqtt.publish('typed/xml', '<r v="1"/>', { qos: 1, properties: { contentType: 'application/xml' } });
    await eventually(() => bus.events.length >= 1, 10_000, 'one event');
    expect(bus.events[0]).toMatchObject({ type: 'com.example.plant.reading', datacontenttype: 'application/xml', data: '<r v="1"/>' });
  });

  it('takes a CloudEvent in MQTT 5 binary or structured mode as it is', async () => {
    const { bus } = await mqtt.startSource({ topics: ['ce/#'] });
    await mqtt.publish('ce/binary', '{"Vm":{"Name":"web-01"}}', {
      qos: 1,
      properties: {
        contentType: 'application/json',
        userProperties: { specversion: '1.0', id: 'evt-1', source: '/vcenter/lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'web-01', region: 'eu' },
      },
    });
    const structured = { specversion: '1.0', id: 'evt-2', source: '/vcenter/lab', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0', data: { Vm: { Name: 'db-02' } } };
    await mqtt.publish('ce/structured', JSON.stringify(structured), { qos: 1, properties: { contentType: 'application/cloudevents+json; charset=utf-8' } });
    await eventually(() => bus.events.length >= 2, 10_000, 'two events');
    expect(bus.events[0]).toEqual({
      specversion: '1.0', id: 'evt-1', source: '/vcenter/lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'web-01',
      datacontenttype: 'application/json', region: 'eu', data: { Vm: { Name: 'web-01' } },
    });
    expect(bus.events[1]).toEqual(structured);
  });

  it('counts, logs and acknowledges a message that can never be a valid event, and is not sent it again', async () => {
    const tap = await startTap();
    const { bus, outcomes, logs } = await mqtt.startSource({ topics: ['bad/#'], url: tap.url });
    await mqtt.publish('bad/ce', 'x', { qos: 1, properties: { userProperties: { specversion: '1.0', source: '/s', type: 't' } } });
    await mqtt.publish('bad/ce', 'fine');
    await eventually(() => bus.events.length >= 1, 10_000, 'the valid message');
    expect(bus.events.map((e) => e.data)).toEqual(['fine']);
    expect(outcomes).toEqual(['invalid', 'accepted']);
    expect(logs.find((l) => l.msg.startsWith('message refused'))).toMatchObject({ level: 40, topic: 'bad/ce' });
    // MQTT 5 0x99 Payload format invalid for the refused message, success for the other.
    await eventually(() => tap.acks().length >= 2, 10_000, 'both acknowledgements');
    expect(tap.acks().map((a) => a.reasonCode)).toEqual([0x99, 0]);
    expect(bus.calls).toBe(2);
  });
});

describe('mqtt source: its connection', () => {
  it('is degraded, not failed, while the broker cannot be reached, and stops at once', async () => {
    const deps = silentDeps();
    const source = createMqttSource({ name: 'nowhere', type: 'mqtt', url: 'mqtt://127.0.0.1:1', topics: ['#'] }, deps, { backoff: { initialMs: 50, maxMs: 100 } });
    const abort = new AbortController();
    await source.start(new FakeBus().dispatch, abort.signal);
    expect(source.health()).toEqual({ state: 'degraded', detail: expect.stringMatching(/^cannot connect to the broker at mqtt:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/) });
    const stoppingAt = Date.now();
    abort.abort();
    await source.stopped;
    expect(Date.now() - stoppingAt).toBeLessThan(1_000);
    expect(source.health().state).toBe('stopped');
  });

  it('connects over TLS trusting the CA in tls.caFile, and refuses a certificate it cannot verify', async () => {
    const { bus } = await mqtt.startSource({ topics: ['secure/#'], url: broker.tlsUrl!, tls: { caFile: join(certDir, 'cert.pem') } });
    await mqtt.publish('secure/a', '"over tls"');
    await eventually(() => bus.events.length >= 1, 10_000, 'the message');
    expect(bus.events[0]).toMatchObject({ source: broker.tlsUrl, data: 'over tls' });

    const untrusting = createMqttSource({ name: 'untrusting', type: 'mqtt', url: broker.tlsUrl!, topics: ['#'] }, silentDeps());
    const abort = new AbortController();
    await untrusting.start(new FakeBus().dispatch, abort.signal);
    expect(untrusting.health()).toEqual({ state: 'degraded', detail: expect.stringMatching(/self-signed certificate/) });
    abort.abort();
    await untrusting.stopped;
  });

  it('drops, with 0x10 No matching subscribers, messages of a subscription its session kept but its config no longer names', async () => {
    const tap = await startTap();
    const before = await mqtt.startSource({ topics: ['office/#', 'plant/#'], clientId: 'narrowed', url: tap.url });
    await before.stop();
    const after = await mqtt.startSource({ topics: ['plant/#'], clientId: 'narrowed', url: tap.url });
    await mqtt.publish('office/printer', '"jam"');
    await mqtt.publish('plant/boiler', '"hot"');
    await eventually(() => after.bus.events.length >= 1 && tap.acks().length >= 2, 10_000, 'both messages handled');
    expect(after.bus.events.map((e) => e.subject)).toEqual(['plant/boiler']);
    expect(after.outcomes).toEqual(['unsupported', 'accepted']);
    expect(tap.acks().map((a) => a.reasonCode)).toEqual([0x10, 0]);
    expect(after.logs.filter((l) => l.msg.startsWith('message on a topic the config does not subscribe to'))).toHaveLength(1);
  });
});

describe('mqtt source: acknowledged only after the store', () => {
  for (const [protocolVersion, qos, ack] of [[5, 1, 'puback'], [5, 2, 'pubrec'], [4, 1, 'puback'], [4, 2, 'pubrec']] as const) {
    it(`sends ${ack.toUpperCase()} for a QoS ${qos} message (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}) only once dispatch resolved`, async () => {
      const tap = await startTap();
      const bus = new FakeBus();
      await mqtt.startSource({ topics: ['slow/#'], url: tap.url, protocolVersion, qos }, bus);
      bus.mode = 'hold';
      await mqtt.publish('slow/one', '{"n":1}', { qos });
      await eventually(() => bus.holding, 10_000, 'the dispatch to start');
      // The message is in the source's hands and not stored: the broker has heard nothing.
      const deadline = Date.now() + 300;
      while (Date.now() < deadline) {
        expect(tap.acks()).toEqual([]);
        await new Promise((r) => setTimeout(r, 25));
      }
      const releasedAt = Date.now();
      bus.release();
      const [acked] = await eventually(() => (tap.acks().length > 0 ? tap.acks() : undefined), 10_000, `the ${ack}`);
      expect(acked).toMatchObject({ type: ack, reasonCode: 0 });
      expect(acked!.at).toBeGreaterThanOrEqual(releasedAt);
      expect(bus.events).toHaveLength(1);
    });
  }
});
