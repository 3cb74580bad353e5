// The Bus on NATS JetStream (nats.js v3). Publishes wait for the stream's acknowledgement;
// a publish that cannot be acknowledged is a BusUnavailableError so that callers tell their
// senders to retry instead of half-accepting.

import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import { NatsConnectionImpl } from '@nats-io/nats-core/internal';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StoredMsg,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Logger } from 'pino';
import { useCoalescingTransport } from './coalescing-transport.js';
import { AckedPublisher } from './acked-publisher.js';
import { BusStorageInsufficientError, BusUnavailableError, EventTooLargeError } from '../errors.js';
import type {
  Bus,
  ConsumerHandle,
  ConsumerSpec,
  DeliveredMessage,
  KeyValue,
  PublishAck,
  PublishOptions,
  StoredMessage,
  StreamSpec,
  StreamState,
} from './bus.js';

export interface NatsBusOptions {
  readonly servers: readonly string[];
  readonly logger: Logger;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** How long a publish waits for the stream's acknowledgement. */
  readonly publishTimeoutMs?: number;
  /** Keep retrying the first connection instead of failing (a cluster that is still booting). */
  readonly waitOnFirstConnect?: boolean;
  /** Replicas of the key-value buckets the bus creates. */
  readonly replicas?: number;
}

export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  useCoalescingTransport();
  const nc = await NatsConnectionImpl.connect({
    servers: [...options.servers],
    name: 'switchboard',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    user: options.user,
    pass: options.password,
    token: options.token,
    // Every publish is a request whose ack error would otherwise carry a stack captured up
    // front: 13.5% of the appliance's CPU under load (bench/RESULTS.md). Our errors name the
    // operation themselves.
    noAsyncTraces: true,
  }).catch((err: unknown) => {
    throw new BusUnavailableError(
      `cannot connect to NATS at ${options.servers.join(', ')}: ${(err as Error).message}. Check bus.url and that the servers are running.`,
      { cause: err },
    );
  });
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  return new NatsBus(nc, jsm, jetstream(nc, { timeout: publishTimeoutMs }), new AckedPublisher(nc, publishTimeoutMs), options.logger, options.replicas ?? 1);
}

class NatsBus implements Bus {
  #isConnected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly publisher: AckedPublisher,
    private readonly logger: Logger,
    private readonly replicas: number,
  ) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') {
          this.#isConnected = false;
          logger.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
        } else if (status.type === 'reconnect') {
          this.#isConnected = true;
          logger.info({ server: status.server }, 'reconnected to NATS');
        }
      }
    })();
  }

  get closed(): Promise<Error | undefined> {
    return this.nc.closed().then((err) => err ?? undefined);
  }

  connected(): boolean {
    return this.#isConnected && !this.nc.isClosed();
  }

  async publish(subject: string, payload: Uint8Array, options: PublishOptions = {}): Promise<PublishAck> {
    let hdrs;
    if (options.headers || options.msgId !== undefined) {
      hdrs = natsHeaders();
      for (const [k, v] of Object.entries(options.headers ?? {})) hdrs.set(k, v);
      if (options.msgId !== undefined) hdrs.set('Nats-Msg-Id', options.msgId);
    }
    try {
      const ack = await this.publisher.publish(subject, payload, hdrs);
      return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      // Too big for the server is the message's fault, not the bus's: retrying cannot help.
      if (String((err as Error).message).includes('max_payload')) {
        throw new EventTooLargeError(
          `the event (${payload.length} bytes stored) is larger than the NATS server accepts (max_payload ${this.nc.info?.max_payload ?? '?'} bytes); ` +
            "lower the source's body limit or raise the server's max_payload",
          { cause: err },
        );
      }
      throw new BusUnavailableError(`the bus did not store the message on ${subject}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    const config = {
      subjects: [...spec.subjects],
      description: spec.description,
      max_age: nanos(spec.maxAgeMs),
      max_bytes: spec.maxBytes,
      max_msgs: spec.maxMessages,
      duplicate_window: nanos(spec.duplicateWindowMs),
      num_replicas: spec.replicas,
      discard: spec.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    };
    const exists = await this.jsm.streams.info(spec.name).then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
    );
    try {
      if (exists) await this.jsm.streams.update(spec.name, config);
      else {
        await this.jsm.streams.add({
          name: spec.name,
          ...config,
          storage: StorageType.File,
          retention: spec.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
        });
      }
    } catch (err) {
      throw storageRefusal(err, spec) ?? err;
    }
  }

  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    const config = {
      description: spec.description,
      filter_subject: spec.filterSubject,
      max_ack_pending: spec.maxAckPending,
      ack_wait: nanos(spec.ackWaitMs),
      // Retries are scheduled by nak(delay); the router dead-letters after the last attempt.
      max_deliver: -1,
    };
    const existing = await this.jsm.consumers.info(spec.stream, spec.durable).catch((err: unknown) =>
      isNotFound(err) ? undefined : Promise.reject(err),
    );
    const resumeAt = existing && existing.config.filter_subject !== spec.filterSubject ? resumeSequence(existing) : undefined;
    if (existing && resumeAt === undefined) {
      await this.jsm.consumers.update(spec.stream, spec.durable, config);
      return;
    }
    const add = (durable: string) => this.jsm.consumers.add(spec.stream, {
      ...config,
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      // A new subscription sees events from now on, not the stream's whole history.
      ...(resumeAt === undefined ? { deliver_policy: DeliverPolicy.New } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resumeAt }),
    });
    if (!existing) {
      await add(spec.durable);
      return;
    }
    // nats-server 2.9 goes on waking an updated consumer by its old filter subject: events on
    // the new one then wait for its next pull request (up to 30 s, on every event). So a new
    // filter subject gets a new consumer, resuming where the old one stood. A bridge with the
    // new filter holds the events meanwhile: on an interest stream, an event nobody is
    // interested in for a moment is gone. (`~` keeps it apart from the names callers use.)
    const bridge = `${spec.durable}~bridge`;
    await this.deleteConsumer(spec.stream, bridge); // left by a crash mid-way
    await add(bridge);
    await this.jsm.consumers.delete(spec.stream, spec.durable);
    await add(spec.durable);
    await this.deleteConsumer(spec.stream, bridge);
  }

  async deleteConsumer(stream: string, durable: string): Promise<void> {
    await this.jsm.consumers.delete(stream, durable).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async listConsumers(stream: string): Promise<string[]> {
    const names: string[] = [];
    for await (const info of this.jsm.consumers.list(stream)) names.push(info.name);
    return names;
  }

  async consume(stream: string, durable: string, onMessage: (m: DeliveredMessage) => void): Promise<ConsumerHandle> {
    const consumer = await this.js.consumers.get(stream, durable);
    let stopping = false;
    let problem: string | undefined;
    const messages = await consumer.consume({
      callback: (m) => {
        problem = undefined;
        // A throw here would stop the consumer for good: report it, keep consuming.
        try {
          onMessage(deliveredMessage(m));
        } catch (err) {
          this.logger.error({ err, stream, consumer: durable }, 'a message handler threw');
        }
      },
    });
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'consumer_not_found') problem = `consumer ${durable} does not exist on stream ${stream} (deleted?)`;
        else if (status.type === 'stream_not_found') problem = `stream ${stream} does not exist (deleted?)`;
        else if (status.type === 'heartbeats_missed') problem = `no heartbeat from the server for consumer ${durable}`;
        else if (status.type === 'heartbeat' || status.type === 'next') problem = undefined;
      }
    })().catch(() => undefined);
    const ended = messages.closed().then(
      (err) => (stopping ? undefined : (err ?? new Error('the consumer stopped'))),
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    return {
      ended,
      problem: () => problem,
      async stop() {
        stopping = true;
        await messages.close();
      },
    };
  }

  async getMessage(stream: string, sequence: number): Promise<StoredMessage | undefined> {
    const m = await this.jsm.streams.getMessage(stream, { seq: sequence });
    return m && m.seq === sequence ? storedMessage(m) : undefined;
  }

  async listMessages(stream: string, fromSequence: number, limit: number): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    let seq = Math.max(1, fromSequence);
    while (out.length < limit) {
      const m = await this.nextMessage(stream, seq, '>');
      if (!m) break;
      out.push(m);
      seq = m.sequence + 1;
    }
    return out;
  }

  async nextMessage(stream: string, fromSequence: number, subject: string): Promise<StoredMessage | undefined> {
    // next_by_subj: the first message at or after `seq` on a matching subject, skipping deleted ones.
    const m = await this.jsm.streams.getMessage(stream, { seq: Math.max(1, fromSequence), next_by_subj: subject } as unknown as { seq: number });
    return m ? storedMessage(m) : undefined;
  }

  async lastMessage(stream: string, subject: string): Promise<StoredMessage | undefined> {
    const m = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    return m ? storedMessage(m) : undefined;
  }

  async deleteMessage(stream: string, sequence: number): Promise<boolean> {
    return this.jsm.streams.deleteMessage(stream, sequence, false).catch((err: unknown) =>
      isNotFound(err) || isNoMessage(err) ? false : Promise.reject(err),
    );
  }

  async purge(stream: string): Promise<number> {
    return (await this.jsm.streams.purge(stream)).purged;
  }

  async streamState(stream: string): Promise<StreamState> {
    const { state } = await this.jsm.streams.info(stream);
    return { messages: state.messages, bytes: state.bytes, firstSequence: state.first_seq, lastSequence: state.last_seq };
  }

  async keyValue(bucket: string): Promise<KeyValue> {
    const kv = await new Kvm(this.js).create(bucket, { history: 1, replicas: this.replicas });
    return {
      async get(key) {
        const entry = await kv.get(key);
        return entry && entry.operation === 'PUT' ? entry.string() : undefined;
      },
      async put(key, value) {
        try {
          await kv.put(key, value);
        } catch (err) {
          throw new BusUnavailableError(`the bus did not store ${bucket}/${key}: ${(err as Error).message}`, { cause: err });
        }
      },
    };
  }

  async close(): Promise<void> {
    // Draining delivers the acknowledgements still on their way; what is left waits in vain.
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
    this.publisher.close();
  }
}

function deliveredMessage(m: JsMsg): DeliveredMessage {
  return {
    subject: m.subject,
    data: m.data,
    header: (name) => m.headers?.get(name) || undefined,
    deliveryCount: m.info.deliveryCount,
    streamSequence: m.info.streamSequence,
    ack: () => settle(() => m.ack()),
    nak: (delayMs) => settle(() => m.nak(delayMs)),
    working: () => settle(() => m.working()),
  };
}

/**
 * Acks, naks and progress signals on a closed connection throw; the message is then
 * redelivered after its ack wait, which is what an unsent acknowledgement means anyway.
 */
function settle(send: () => void): void {
  try {
    send();
  } catch {
    // connection closed: JetStream redelivers
  }
}

function storedMessage(m: StoredMsg): StoredMessage {
  const headers: Record<string, string> = {};
  if (m.header) for (const [k, v] of m.header) headers[k] = v[0] ?? '';
  return { sequence: m.seq, subject: m.subject, data: m.data, headers, time: m.time };
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

function isNoMessage(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound;
}

/**
 * Where a consumer recreated with another filter subject resumes: after the last event it
 * was given when none is unacknowledged (nothing skipped, nothing repeated); else after its
 * acknowledgement floor (events acknowledged above it are delivered again, at least once
 * holds). Undefined when it never acknowledged one but has some pending: its floor is not
 * known (the server reports 0), so it is updated in place instead.
 */
function resumeSequence(info: ConsumerInfo): number | undefined {
  if (info.num_ack_pending === 0 && info.num_redelivered === 0) return info.delivered.stream_seq + 1;
  return info.ack_floor.consumer_seq > 0 ? info.ack_floor.stream_seq + 1 : undefined;
}

/**
 * nats-server reserves each file stream's maxBytes out of what JetStream may use of the
 * store's disk (75% of the free space unless configured) and refuses a stream that does not
 * fit with a bare "insufficient storage resources available" (API error 10047; 10023 for
 * "insufficient resources"). Said so that an operator can act on it.
 */
function storageRefusal(err: unknown, spec: StreamSpec): BusStorageInsufficientError | undefined {
  if (!(err instanceof JetStreamApiError) || (err.code !== 10047 && err.code !== 10023)) return undefined;
  const size = spec.maxBytes < 0 ? 'unlimited' : `${(spec.maxBytes / 2 ** 20).toFixed(0)} MiB`;
  return new BusStorageInsufficientError(
    `the bus refused stream ${spec.name} (maxBytes ${size}): "${err.message}". JetStream reserves every stream's maxBytes on the disk of its store (bus.dataDir with the embedded bus) and may use only part of the free space there. Free space on that disk, give it a larger disk, or lower ${spec.limitsKey ?? 'the stream\'s'} maxBytes (and the other streams' under bus.retention)`,
    { cause: err },
  );
}

