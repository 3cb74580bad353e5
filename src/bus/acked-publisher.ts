// JetStream publishes, each answered by the stream's acknowledgement, over one reply
// subscription: the way the Go client's PublishAsync works.
//
// nats.js makes every js.publish a request of its own: a timer, a mux entry, a deferred, and
// (3.4) an Error with a stack trace built even when the answer arrives — 7–9% of the
// appliance's CPU at ingestion rates (bench/RESULTS.md). Here a publish is one PUB with a
// reply subject under a private inbox and an entry in a map; one subscription settles the
// entries in any order, and one sweeper rejects those left unanswered past the timeout.

import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';

export interface StreamAck {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

/** The server's reason for not storing a message ("no stream matches", a JetStream API error). */
export class PublishRefusedError extends Error {
  constructor(message: string, readonly code: number | undefined) {
    super(message);
    this.name = 'PublishRefusedError';
  }
}

export class PublishTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no acknowledgement from the stream within ${timeoutMs} ms`);
    this.name = 'PublishTimeoutError';
  }
}

interface Waiting {
  readonly sentAt: number;
  resolve(ack: StreamAck): void;
  reject(err: Error): void;
}

export class AckedPublisher {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #prefix = createInbox();
  readonly #waiting = new Map<number, Waiting>();
  readonly #subscription: Subscription;
  readonly #sweeper: NodeJS.Timeout;
  #next = 0;

  constructor(nc: NatsConnection, timeoutMs: number) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.#subscription = nc.subscribe(`${this.#prefix}.*`, { callback: (err, m) => { if (!err) this.#answered(m); } });
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(1_000, timeoutMs)).unref();
  }

  /** Resolves once the stream stored the message (or knew it already: `duplicate`). */
  publish(subject: string, payload: Uint8Array, headers?: MsgHdrs): Promise<StreamAck> {
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      // Throws at once on a closed connection or a message over max_payload.
      this.#nc.publish(subject, payload, { reply: `${this.#prefix}.${id}`, ...(headers ? { headers } : {}) });
      this.#waiting.set(id, { sentAt: Date.now(), resolve, reject });
    });
  }

  /** Stops answering: whatever still waits is rejected. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#subscription.unsubscribe();
    for (const waiting of this.#waiting.values()) waiting.reject(new Error('the connection to the bus is closing'));
    this.#waiting.clear();
  }

  #answered(m: Msg): void {
    const id = Number(m.subject.slice(this.#prefix.length + 1));
    const waiting = this.#waiting.get(id);
    if (!waiting) return; // swept already
    this.#waiting.delete(id);
    if (m.headers?.code === 503) {
      waiting.reject(new PublishRefusedError('no stream is listening on the subject (no responders)', 503));
      return;
    }
    try {
      const answer = JSON.parse(new TextDecoder().decode(m.data)) as { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
      if (answer.error) waiting.reject(new PublishRefusedError(answer.error.description ?? 'the stream refused the message', answer.error.err_code ?? answer.error.code));
      else waiting.resolve({ stream: answer.stream ?? '', seq: answer.seq ?? 0, duplicate: answer.duplicate === true });
    } catch (err) {
      waiting.reject(new PublishRefusedError(`the stream's answer is not an acknowledgement: ${(err as Error).message}`, undefined));
    }
  }

  /** Entries are in publish order: the expired ones are at the front. */
  #sweep(): void {
    const expired = Date.now() - this.#timeoutMs;
    for (const [id, waiting] of this.#waiting) {
      if (waiting.sentAt > expired) break;
      this.#waiting.delete(id);
      waiting.reject(new PublishTimeoutError(this.#timeoutMs));
    }
  }
}
