// The mqtt source keeps what it was sent: across its own stop, a broker restart and a bus
// outage — against a real mosquitto, with a fake bus (../helpers/mqtt-harness.ts).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/appliance.js';
import { startMosquitto, type TestMosquitto } from '../helpers/mosquitto.js';
import { createMqttHarness, type MqttHarness } from '../helpers/mqtt-harness.js';
import { startMqttTap, type MqttTap } from '../helpers/mqtt-tap.js';

let broker: TestMosquitto;
let mqtt: MqttHarness;
const taps: MqttTap[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  mqtt = await createMqttHarness(broker.url);
});
afterEach(async () => {
  await mqtt.stopAll();
  for (const tap of taps.splice(0)) await tap.close();
});
afterAll(async () => {
  await mqtt?.close();
  await broker?.dispose();
});

async function startTap(): Promise<MqttTap> {
  const started = await startMqttTap(broker.port);
  taps.push(started);
  return started;
}

describe('mqtt source: nothing lost while it or the broker is away', () => {
  for (const protocolVersion of [5, 4] as const) {
    it(`receives the QoS 1 messages published while it was stopped (persistent session, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, async () => {
      const clientId = `persistent-${protocolVersion}`;
      const first = await mqtt.startSource({ topics: [`away${protocolVersion}/#`], clientId, protocolVersion });
      await first.stop();
      expect(first.source.health().state).toBe('stopped');
      for (const n of [1, 2, 3]) await mqtt.publish(`away${protocolVersion}/n`, JSON.stringify({ n }));
      const second = await mqtt.startSource({ topics: [`away${protocolVersion}/#`], clientId, protocolVersion });
      await eventually(() => second.bus.events.length >= 3, 10_000, 'the three messages');
      expect(second.bus.events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    });
  }

  it('keeps the messages queued for it across a broker restart (mosquitto persistence)', async () => {
    const first = await mqtt.startSource({ topics: ['kept/#'], clientId: 'kept-across-restart' });
    await first.stop();
    await mqtt.publish('kept/a', '"before the restart"');
    await broker.stop();
    await broker.start();
    await eventually(() => mqtt.publisher.connected, 10_000, 'the publisher back');
    const second = await mqtt.startSource({ topics: ['kept/#'], clientId: 'kept-across-restart' });
    await eventually(() => second.bus.events.length >= 1, 10_000, 'the kept message');
    expect(second.bus.events[0]!.data).toBe('before the restart');
  });

  it('reports degraded once while the broker is down, reconnects with backoff, then runs and receives again', async () => {
    const { source, bus, logs, reconnects } = await mqtt.startSource({ topics: ['restart/#'] });
    await broker.stop();
    await eventually(() => source.health().state === 'degraded', 10_000, 'degraded');
    expect(source.health().detail).toMatch(/broker at mqtt:\/\/127\.0\.0\.1:\d+/);
    await eventually(() => reconnects() >= 3, 10_000, 'several reconnect attempts');
    await broker.start();
    await eventually(() => source.health().state === 'running', 10_000, 'running again');
    await eventually(() => mqtt.publisher.connected, 10_000, 'the publisher back');
    await mqtt.publish('restart/after', '"hello again"');
    await eventually(() => bus.events.length >= 1, 10_000, 'the message after the restart');
    // One warning for the outage, one line for the recovery: not one per attempt.
    expect(logs.filter((l) => l.msg === 'source degraded')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'source running')).toHaveLength(2);
  });

  it('holds a message while the bus is unavailable: no PUBACK, the broker resends it, and it is stored once the bus is back', async () => {
    const tap = await startTap();
    const { source, bus, outcomes, logs } = await mqtt.startSource({ topics: ['outage/#'], url: tap.url });
    bus.mode = 'unavailable';
    await mqtt.publish('outage/a', '{"important": true}');
    await eventually(() => source.health().state === 'degraded', 10_000, 'degraded');
    expect(source.health().detail).toMatch(/bus is unavailable/);
    await eventually(() => bus.calls >= 3, 10_000, 'the broker resending the message');
    expect(tap.acks()).toEqual([]);
    expect(bus.events).toEqual([]);
    bus.mode = 'store';
    await eventually(() => bus.events.length === 1, 10_000, 'the message stored');
    await eventually(() => source.health().state === 'running', 10_000, 'running again');
    expect(bus.events[0]!.data).toEqual({ important: true });
    // The PUBACK follows the store; the resends before it were never acknowledged.
    await eventually(() => tap.acks().length >= 1, 10_000, 'the PUBACK');
    expect(tap.acks()).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'unavailable').length).toBeGreaterThanOrEqual(2);
    expect(outcomes.at(-1)).toBe('accepted');
    expect(logs.filter((l) => l.msg === 'source degraded')).toHaveLength(1);
  });

  it('on stop, finishes storing the message in hand and acknowledges it before disconnecting', async () => {
    const tap = await startTap();
    const first = await mqtt.startSource({ topics: ['draining/#'], url: tap.url, clientId: 'draining' });
    first.bus.mode = 'hold';
    await mqtt.publish('draining/a', '"in hand"');
    await eventually(() => first.bus.holding, 10_000, 'the dispatch to start');
    const stopping = first.stop();
    first.bus.release();
    await stopping;
    expect(first.source.health().state).toBe('stopped');
    await eventually(() => tap.acks().length >= 1, 10_000, 'the PUBACK');
    await mqtt.publish('draining/b', '"after"');
    const second = await mqtt.startSource({ topics: ['draining/#'], clientId: 'draining' });
    await eventually(() => second.bus.events.length >= 1, 10_000, 'the next message');
    expect(second.bus.events.map((e) => e.data)).toEqual(['after']);
  });

  it('reports QoS 0 messages the bus cannot store as lost, and runs again once it can', async () => {
    const { source, bus, outcomes } = await mqtt.startSource({ topics: ['fleeting/#'], qos: 0 });
    bus.mode = 'unavailable';
    await mqtt.publish('fleeting/a', '1', { qos: 0 });
    await eventually(() => source.health().state === 'degraded', 10_000, 'degraded');
    expect(source.health().detail).toMatch(/QoS 0 messages are lost/);
    bus.mode = 'store';
    await mqtt.publish('fleeting/b', '2', { qos: 0 });
    await eventually(() => source.health().state === 'running', 10_000, 'running again');
    expect(bus.events.map((e) => e.data)).toEqual([2]);
    expect(outcomes).toEqual(['unavailable', 'accepted']);
  });
});
