// The plain HTTP side (contract section 1): POST /api/session logs in with HTTP Basic and
// answers 201 with the session id as a JSON string; DELETE /api/session logs out. The
// stream's path answers 426 to anything that is not a WebSocket upgrade.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionHeader, type SessionStore } from './auth.js';
import type { SimulatorLogger } from './options.js';

export const sessionPath = '/api/session';
export const streamPath = '/sdk/events/ws';

/** vCenter's error body shape for the REST API. */
export const errorBody = (errorType: string, message: string) =>
  JSON.stringify({ error_type: errorType, messages: [{ id: `vapi.${errorType.toLowerCase()}`, default_message: message, args: [] }] });

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function createRequestHandler(sessions: SessionStore, logger: SimulatorLogger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const remote = req.socket.remoteAddress;
    if (path === sessionPath && req.method === 'POST') {
      const sessionId = sessions.login(req.headers.authorization);
      if (sessionId === undefined) {
        logger.warn({ remote }, 'login refused: wrong or missing credentials');
        reply(res, 401, errorBody('UNAUTHENTICATED', 'Authentication required.'), { 'www-authenticate': 'Basic realm="VMware vCenter"' });
        return;
      }
      logger.info({ remote, sessions: sessions.active }, 'session created');
      reply(res, 201, JSON.stringify(sessionId));
      return;
    }
    if (path === sessionPath && req.method === 'DELETE') {
      const header = req.headers[sessionHeader];
      const ended = sessions.logout(typeof header === 'string' ? header : undefined);
      if (ended) {
        res.writeHead(204).end();
        logger.info({ remote }, 'session deleted');
      } else reply(res, 401, errorBody('UNAUTHENTICATED', 'This session is not valid.'));
      return;
    }
    if (path === sessionPath) return reply(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Use POST or DELETE.'), { allow: 'POST, DELETE' });
    if (path === streamPath) return reply(res, 426, errorBody('INVALID_REQUEST', 'The event stream is a WebSocket.'), { upgrade: 'websocket', connection: 'Upgrade' });
    reply(res, 404, errorBody('NOT_FOUND', `Nothing at ${path}.`));
  };
}
