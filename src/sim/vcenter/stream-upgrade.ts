// The WebSocket upgrade at GET /sdk/events/ws[?since=K] (contract sections 1 and 2):
// credentials are checked before any WebSocket exists — without valid ones the answer is a
// plain HTTP 401 — while a malformed `since` is a close code (4400) on an opened socket.

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Authenticated, SessionStore } from './auth.js';
import { errorBody, streamPath } from './http-routes.js';
import type { SimulatorLogger } from './options.js';

/** What the client asked for: live only, a resume point, or something that is not a key. */
export type Since = { readonly kind: 'live' } | { readonly kind: 'resume'; readonly key: number } | { readonly kind: 'malformed'; readonly text: string };

/** `since` as the contract defines a key: a positive integer, exact in a JS number. */
export function parseSince(search: URLSearchParams): Since {
  if (!search.has('since')) return { kind: 'live' };
  const text = search.get('since')!;
  const key = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(key) ? { kind: 'resume', key } : { kind: 'malformed', text: text.slice(0, 64) };
}

export interface AcceptedStream {
  readonly ws: WebSocket;
  readonly auth: Authenticated;
  readonly since: Since;
  readonly remote: string;
}

/** Writes an HTTP error on the raw socket: no WebSocket is opened. */
function refuse(socket: Duplex, status: number, errorType: string, message: string): void {
  const body = errorBody(errorType, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createUpgradeHandler(wss: WebSocketServer, sessions: SessionStore, logger: SimulatorLogger, onStream: (stream: AcceptedStream) => void) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until ws owns the socket, a reset by the peer must not become an uncaught error.
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (url.pathname !== streamPath) return refuse(socket, 404, 'NOT_FOUND', `No WebSocket at ${url.pathname}; the event stream is ${streamPath}.`);
    const auth = sessions.authenticate(req.headers);
    if (!auth) {
      logger.warn({ remote }, 'stream refused: no valid session or credentials');
      return refuse(socket, 401, 'UNAUTHENTICATED', 'Log in (POST /api/session) or send Basic credentials.');
    }
    const since = parseSince(url.searchParams);
    wss.handleUpgrade(req, socket, head, (ws) => onStream({ ws, auth, since, remote }));
  };
}
