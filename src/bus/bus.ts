// The seam under everything: a durable log of messages (JetStream) with durable consumers.
// Nothing here knows about sources, subscriptions or functions — callers name streams,
// subjects and consumers; the bus stores and delivers.

export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly maxAgeMs: number;
  /** -1 = unlimited */
  readonly maxBytes: number;
  /** -1 = unlimited */
  readonly maxMessages: number;
  /** Window in which a repeated `msgId` is stored once. */
  readonly duplicateWindowMs: number;
  readonly replicas: number;
  /**
   * limits: kept until a limit removes them. interest: kept until every consumer whose
   * filter matches has acknowledged them (limits still apply).
   */
  readonly retention: 'limits' | 'interest';
  /** When a limit is reached: drop the oldest, or refuse the new publish. */
  readonly discard: 'old' | 'new';
  readonly description?: string;
  /** The configuration key of its limits, for messages to the operator (bus.retention.events). */
  readonly limitsKey?: string;
}

export interface ConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  /** Narrowed on the server: only messages whose subject matches are delivered. */
  readonly filterSubject: string;
  /** Unacknowledged messages in flight at once (1 = strictly in order). */
  readonly maxAckPending: number;
  /** Redelivery after this long without an ack or an in-progress signal. */
  readonly ackWaitMs: number;
  readonly description?: string;
}

export interface PublishOptions {
  /** Deduplication id: a second publish with the same id inside the window is not stored. */
  readonly msgId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PublishAck {
  readonly stream: string;
  readonly sequence: number;
  readonly duplicate: boolean;
}

/**
 * A message handed to a consumer; acknowledge exactly once with ack or nak. Acknowledging
 * never throws: on a closed connection the server redelivers after the ack wait anyway.
 */
export interface DeliveredMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  header(name: string): string | undefined;
  /** 1 on first delivery, then counts redeliveries. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  ack(): void;
  /** Hand back for redelivery after `delayMs`. */
  nak(delayMs?: number): void;
  /** Still working: resets the server's ack-wait timer. */
  working(): void;
}

export interface StoredMessage {
  readonly sequence: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly time: Date;
}

export interface StreamState {
  readonly messages: number;
  readonly bytes: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

export interface ConsumerHandle {
  /** Stop pulling; messages already delivered stay with their handler. */
  stop(): Promise<void>;
  /** Resolves when the consumer stopped by itself (connection closed, a client error). */
  readonly ended: Promise<Error | undefined>;
  /** Why the consumer is not receiving right now (deleted, no heartbeats), else undefined. */
  problem(): string | undefined;
}

/** A JetStream key-value bucket: small durable state such as a source's checkpoint. */
export interface KeyValue {
  get(key: string): Promise<string | undefined>;
  /** Resolves once the bucket stored the value. */
  put(key: string, value: string): Promise<void>;
}

export interface Bus {
  /** True while connected to a server. */
  connected(): boolean;
  /** Resolves when the connection is closed for good (not a reconnect): the bus is gone. */
  readonly closed: Promise<Error | undefined>;
  /**
   * Store a message; resolves once the stream acknowledged it. Rejects with
   * BusUnavailableError (retry later) or EventTooLargeError (over the server's max_payload).
   */
  publish(subject: string, payload: Uint8Array, options?: PublishOptions): Promise<PublishAck>;
  ensureStream(spec: StreamSpec): Promise<void>;
  /**
   * Create the durable consumer, or update it in place when it exists (progress kept). A new
   * filter subject recreates it, resuming after the last event it settled.
   */
  ensureConsumer(spec: ConsumerSpec): Promise<void>;
  deleteConsumer(stream: string, durable: string): Promise<void>;
  listConsumers(stream: string): Promise<string[]>;
  consume(stream: string, durable: string, onMessage: (message: DeliveredMessage) => void): Promise<ConsumerHandle>;
  getMessage(stream: string, sequence: number): Promise<StoredMessage | undefined>;
  /** Messages from `fromSequence` on, in order, at most `limit`. */
  listMessages(stream: string, fromSequence: number, limit: number): Promise<StoredMessage[]>;
  /** The first message at or after `fromSequence` whose subject matches `subject` (wildcards allowed). */
  nextMessage(stream: string, fromSequence: number, subject: string): Promise<StoredMessage | undefined>;
  /** The newest message whose subject matches `subject` (wildcards allowed). */
  lastMessage(stream: string, subject: string): Promise<StoredMessage | undefined>;
  deleteMessage(stream: string, sequence: number): Promise<boolean>;
  purge(stream: string): Promise<number>;
  streamState(stream: string): Promise<StreamState>;
  /** The bucket, created (file storage, one value per key) if it does not exist. */
  keyValue(bucket: string): Promise<KeyValue>;
  /** Let pending publishes and acks reach the server, then disconnect. */
  close(): Promise<void>;
}
