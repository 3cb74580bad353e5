// One client's event stream (contract section 2): hello first, then a gap if events after
// `since` were discarded, the replay, and live events; a ping every interval that must be
// answered by a pong in time. Anything but a pong from the client is a bad request (4400):
// the contract allows nothing else, and a simulator that lets it pass would hide a bug.

import type { WebSocket } from 'ws';
import type { Authenticated } from './auth.js';
import type { StoredEvent } from './event-log.js';
import { batchFrames, closeCodes, gapFrame, helloFrame, isPong, liveFrames, pingFrame, type HelloFields } from './frames.js';

export interface StreamSettings {
  readonly batchSize: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** A client this far behind is cut off (it resumes with `since`) instead of filling memory. */
  readonly maxBufferedBytes: number;
}

/** What a connection starts with, worked out in the same tick it joins the live set. */
export interface StreamStart {
  readonly hello: HelloFields;
  readonly gap?: { readonly requestedSince: number; readonly oldestKey: number };
  readonly replay: readonly StoredEvent[];
}

// After a close frame, how long a peer that does not answer keeps its socket.
const closeGraceMs = 1_000;

export class StreamConnection {
  readonly auth: Authenticated;
  readonly remote: string;
  readonly #ws: WebSocket;
  readonly #settings: StreamSettings;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, auth: Authenticated, remote: string, settings: StreamSettings, onClosed: (code: number, reason: string) => void) {
    this.#ws = ws;
    this.auth = auth;
    this.remote = remote;
    this.#settings = settings;
    ws.on('message', (data, isBinary) => {
      if (isPong(data, isBinary)) this.#clearPongTimer();
      else this.close(closeCodes.badRequest, 'only {"kind":"pong"} may be sent');
    });
    // A protocol error from the peer: ws closes the socket itself; 'close' follows.
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      this.#stopTimers();
      onClosed(code, reason.toString('utf8'));
    });
  }

  start({ hello, gap, replay }: StreamStart): void {
    this.#send(helloFrame(hello));
    if (gap) this.#send(gapFrame(gap.requestedSince, gap.oldestKey));
    for (const frame of batchFrames(replay, this.#settings.batchSize)) this.#send(frame);
    this.#pingTimer = setInterval(() => this.#ping(), this.#settings.pingIntervalMs);
  }

  push(events: readonly StoredEvent[]): void {
    for (const frame of liveFrames(events, this.#settings.batchSize)) this.#send(frame);
  }

  close(code: number, reason: string): void {
    this.#stopTimers();
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.close(code, reason);
    setTimeout(() => this.#ws.terminate(), closeGraceMs).unref();
  }

  /** Drop the TCP connection with no close frame, as a crashed server or a broken network would. */
  terminate(): void {
    this.#stopTimers();
    this.#ws.terminate();
  }

  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  #send(frame: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > this.#settings.maxBufferedBytes) {
      this.close(closeCodes.goingAway, 'client too slow: reconnect with since');
      return;
    }
    this.#ws.send(frame);
  }

  #ping(): void {
    this.#send(pingFrame(new Date()));
    // One deadline at a time: a pong answers every ping sent before it.
    this.#pongTimer ??= setTimeout(() => {
      this.#pongTimer = undefined;
      this.close(closeCodes.policyViolation, `no pong within ${this.#settings.pongTimeoutMs} ms`);
    }, this.#settings.pongTimeoutMs);
  }

  #clearPongTimer(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #stopTimers(): void {
    clearInterval(this.#pingTimer);
    this.#clearPongTimer();
  }
}
