// A TCP proxy between an MQTT client and the broker that records the packets the client
// sends, so a test can see when the client acknowledged a message (PUBACK, PUBREC) and with
// which reason code — which the broker does not tell anyone else. It can also cut every
// connection, as a network failure would.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ClientPacket {
  /** MQTT control packet type name, e.g. 'puback'. */
  readonly type: string;
  /** Packet identifier of PUBACK, PUBREC, PUBREL and PUBCOMP. */
  readonly messageId?: number;
  /** MQTT 5 reason code of an acknowledgement; 0 when omitted. */
  readonly reasonCode?: number;
  readonly at: number;
}

export interface MqttTap {
  /** mqtt://127.0.0.1:<port> of the proxy. */
  readonly url: string;
  readonly packets: ClientPacket[];
  acks(): ClientPacket[];
  /** Destroys every proxied connection. */
  cut(): void;
  close(): Promise<void>;
}

const types = ['reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

export async function startMqttTap(brokerPort: number): Promise<MqttTap> {
  const packets: ClientPacket[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const broker = createConnection({ port: brokerPort, host: '127.0.0.1' });
    for (const s of [client, broker]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        broker.destroy();
      });
    }
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      pending = readPackets(pending, packets);
      broker.write(chunk);
    });
    broker.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    packets,
    acks: () => packets.filter((p) => p.type === 'puback' || p.type === 'pubrec'),
    cut() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Records each whole packet in `buffer`; returns the incomplete rest. */
function readPackets(buffer: Buffer, into: ClientPacket[]): Buffer {
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    let remaining = 0;
    let multiplier = 1;
    let i = at + 1;
    let complete = false;
    for (; i < buffer.length && i < at + 5; i++) {
      remaining += (buffer[i]! & 0x7f) * multiplier;
      multiplier *= 128;
      if ((buffer[i]! & 0x80) === 0) {
        complete = true;
        i++;
        break;
      }
    }
    if (!complete || buffer.length < i + remaining) break;
    const type = types[buffer[at]! >> 4]!;
    const isAck = type === 'puback' || type === 'pubrec' || type === 'pubrel' || type === 'pubcomp';
    into.push({
      type,
      ...(isAck ? { messageId: buffer.readUInt16BE(i), reasonCode: remaining > 2 ? buffer[i + 2]! : 0 } : {}),
      at: Date.now(),
    });
    at = i + remaining;
  }
  return buffer.subarray(at);
}
