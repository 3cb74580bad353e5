// One connection to the broker, from CONNECT to close: subscribe, receive one message at a
// time, acknowledge each only once the bus stored it, and end the connection when a message
// must be held so that the broker resends it on the next one.
//
// Messages are handled in the order they arrive, one at a time: MQTT.js reads the next
// packet only once the previous one is acknowledged, which also keeps the broker's per-topic
// order on the bus (MQTT 5 4.6). Throughput is one bus round trip per message.

import { connect, ReasonCodes, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Receive } from './receive.js';
import type { MqttSettings } from './settings.js';

export interface ConnectionEvents {
  /** Connected and every topic subscribed. `sessionPresent`: the broker kept our session. */
  ready(sessionPresent: boolean): void;
  /** A message was acknowledged (stored, or refused for good). */
  acknowledged(): void;
  /** A QoS 1/2 message could not be stored; it stays unacknowledged and the connection ends. */
  held(error: Error): void;
  /** A QoS 0 message could not be stored; QoS 0 is never resent, so it is lost. */
  lost(error: Error): void;
}

/** How the connection ended. */
export interface ConnectionEnd {
  /** It got as far as `ready`. */
  readonly ready: boolean;
  /** It was ended to have a held message resent. */
  readonly held: boolean;
  readonly error?: Error;
}

type AckDone = (error: Error | number, code?: number) => void;

export function runConnection(
  settings: MqttSettings,
  options: IClientOptions,
  receive: Receive,
  events: ConnectionEvents,
  signal: AbortSignal,
): Promise<ConnectionEnd> {
  return new Promise((resolve) => {
    let ready = false;
    let held = false;
    // Once set, nothing more is acknowledged on this connection: what arrives is resent on the next.
    let closing = false;
    // After close, late receipts no longer speak for the source's state: a new connection does.
    let closed = false;
    let lastError: Error | undefined;
    let inFlight: Promise<void> = Promise.resolve();

    const onPublish = (topic: string, payload: Buffer, packet: IPublishPacket, done: AckDone): void => {
      if (closing) return;
      inFlight = receive({ topic, payload, ...(packet.properties ? { properties: packet.properties } : {}) }).then((receipt) => {
        if (closed) return;
        if (receipt.ack) {
          done(settings.protocolVersion === 5 ? receipt.reasonCode : 0);
          events.acknowledged();
        } else if (!closing) {
          closing = true;
          held = true;
          lastError = receipt.error;
          events.held(receipt.error);
          client.end(true);
        }
      });
    };

    const client: MqttClient = connect(settings.url, { ...options, customHandleAcks: onPublish });
    // MQTT.js honours customHandleAcks only under MQTT 5 and acknowledges at once otherwise.
    // It reads the handler from client.options for every QoS 1/2 PUBLISH, so installing it
    // there gives MQTT 3.1.1 the same acknowledgement after the store (PUBACK for QoS 1,
    // PUBREC for QoS 2, whose PUBREL then needs nothing kept). Tested for both versions in
    // test/integration/mqtt-source.test.ts.
    client.options.customHandleAcks = onPublish;
    // QoS 0 has no acknowledgement; it comes through handleMessage, which MQTT.js also awaits
    // before reading on. QoS 1/2 pass here too after their acknowledgement: nothing to do.
    client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish' || packet.qos !== 0 || closing) return callback();
      const message = { topic: packet.topic, payload: toBuffer(packet.payload), ...(packet.properties ? { properties: packet.properties } : {}) };
      inFlight = receive(message).then((receipt) => {
        if (closed) return callback();
        if (receipt.ack) events.acknowledged();
        else events.lost(receipt.error);
        callback();
      });
    };

    client.on('connect', (connack) => {
      void subscribe(client, settings).then(
        () => {
          if (closing || closed) return;
          ready = true;
          events.ready(connack.sessionPresent);
        },
        (err: Error) => {
          lastError = err;
          client.end(true);
        },
      );
    });
    client.on('error', (err) => (lastError = err));
    client.on('disconnect', (packet) => {
      const code = packet.reasonCode ?? 0;
      lastError = new Error(`the broker ended the connection: ${ReasonCodes[code as keyof typeof ReasonCodes] ?? `reason code ${code}`}`);
    });
    client.once('close', () => {
      closed = true;
      signal.removeEventListener('abort', stop);
      resolve({ ready, held, ...(lastError ? { error: lastError } : {}) });
    });

    // Stopping: let the message being stored finish and be acknowledged, so that it is not
    // received again (as a second event) after the next start; then disconnect cleanly.
    function stop(): void {
      closing = true;
      // end(false) on a connection still waiting for CONNACK waits out the connect timeout.
      void inFlight.then(() => client.end(!client.connected));
    }
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}

async function subscribe(client: MqttClient, settings: MqttSettings): Promise<void> {
  // Retain Handling 1 (MQTT 5 3.8.3.1): retained messages only for a new subscription, not
  // again at every reconnect of a kept session (they would be new events each time).
  const options = settings.protocolVersion === 5 ? { qos: settings.qos, rh: 1 } : { qos: settings.qos };
  try {
    await client.subscribeAsync(Object.fromEntries(settings.topics.map((topic) => [topic, options])));
  } catch (err) {
    const code = (err as { code?: number }).code;
    const reason = code === undefined ? (err as Error).message : (ReasonCodes[code as keyof typeof ReasonCodes] ?? `reason code ${code}`);
    throw new Error(`the broker refused the subscription to ${settings.topics.join(', ')}: ${reason}`, { cause: err });
  }
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}
