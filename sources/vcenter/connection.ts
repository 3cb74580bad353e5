// One WebSocket session with the server (contract section 2): open the stream, hand each
// frame over parsed, answer `ping` at once, and report how the session ended. Reconnecting,
// logging in and publishing are the caller's; this file only speaks the wire.

import WebSocket, { type RawData } from 'ws';
import type { TlsTrust } from './endpoint.js';
import { parseFrame, pongFrame, type ServerFrame } from './frames.js';

export interface ConnectionOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsTrust;
  readonly handshakeTimeoutMs: number;
  /**
   * With nothing received for this long, send a WebSocket ping (RFC 6455 5.5.2: every
   * endpoint answers it); with still nothing after as long again, the connection is dead
   * (a half-open TCP connection never reports itself) and is dropped.
   */
  readonly idleMs: number;
}

export type ConnectionEnd =
  /** The upgrade was answered with an HTTP status instead of a WebSocket (401: credentials). */
  | { readonly kind: 'refused'; readonly status: number }
  /** No WebSocket was opened: DNS, TCP, TLS, handshake timeout. */
  | { readonly kind: 'failed'; readonly problem: string }
  /** The WebSocket closed: by the server, by this side, or by the network (1006). */
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string };

export class Connection {
  readonly ended: Promise<ConnectionEnd>;
  readonly #ws: WebSocket;
  #end!: (end: ConnectionEnd) => void;
  #opened = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #idlePinged = false;
  /** Why this side dropped the connection, reported instead of the bare 1006. */
  #dropReason: string | undefined;
  readonly #idleMs: number;

  constructor(options: ConnectionOptions, onFrame: (frame: ServerFrame) => void) {
    this.#idleMs = options.idleMs;
    this.ended = new Promise((resolve) => {
      let settled = false;
      this.#end = (end) => {
        if (settled) return;
        settled = true;
        clearTimeout(this.#idleTimer);
        resolve(end);
      };
    });
    this.#ws = new WebSocket(options.url, {
      headers: { ...options.headers },
      handshakeTimeout: options.handshakeTimeoutMs,
      rejectUnauthorized: options.tls.rejectUnauthorized,
      ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
      followRedirects: false,
      perMessageDeflate: false,
    });
    this.#listen(onFrame);
  }

  #listen(onFrame: (frame: ServerFrame) => void): void {
    const ws = this.#ws;
    ws.on('unexpected-response', (request, response) => {
      // Destroying the request may abort the response: that error is expected, not a crash.
      response.on('error', () => undefined);
      response.resume();
      request.destroy();
      this.#end({ kind: 'refused', status: response.statusCode ?? 0 });
    });
    ws.on('open', () => {
      this.#opened = true;
      this.#armIdle();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.#armIdle();
      // Frames are JSON text (contract section 2); a binary one cannot be one.
      const frame = isBinary ? { kind: 'malformed' as const, problem: 'binary frame' } : parseFrame(rawText(data));
      if (frame.kind === 'ping') this.send(pongFrame);
      onFrame(frame);
    });
    ws.on('ping', () => this.#armIdle());
    ws.on('pong', () => this.#armIdle());
    ws.on('error', (err) => {
      if (!this.#opened) this.#end({ kind: 'failed', problem: err.message });
      else this.#dropReason ??= err.message;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.#opened) return this.#end({ kind: 'failed', problem: this.#dropReason ?? `closed before opening (${code})` });
      this.#end({ kind: 'closed', code, reason: this.#dropReason ?? reason.toString('utf8') });
    });
  }

  send(text: string): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(text);
  }

  /** Stop reading frames (the publisher is full); the server's pings wait too. */
  pause(): void {
    clearTimeout(this.#idleTimer);
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
    this.#armIdle();
  }

  /** Close from this side, e.g. 1000 on stop; `ended` then reports this code. */
  close(code: number, reason: string): void {
    if (this.#ws.readyState === WebSocket.CONNECTING) {
      this.#dropReason ??= reason;
      this.#ws.terminate();
      return;
    }
    // A paused socket would not read the server's close frame.
    if (this.#ws.isPaused) this.#ws.resume();
    this.#ws.close(code, reason);
    // A server that never answers the close handshake must not keep the session alive.
    setTimeout(() => this.#ws.terminate(), 5_000).unref();
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idlePinged = false;
    if (this.#ws.isPaused) return;
    this.#idleTimer = setTimeout(() => this.#onIdle(), this.#idleMs);
    this.#idleTimer.unref();
  }

  #onIdle(): void {
    if (this.#idlePinged) {
      this.#dropReason = `nothing received for ${(2 * this.#idleMs) / 1000} s, not even a pong`;
      this.#ws.terminate();
      return;
    }
    this.#idlePinged = true;
    this.#ws.ping();
    this.#idleTimer = setTimeout(() => this.#onIdle(), this.#idleMs);
    this.#idleTimer.unref();
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
