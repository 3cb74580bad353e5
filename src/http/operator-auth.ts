// Who may read the operator endpoints that show what functions did and said (/invocations,
// /functions) and the metrics: with `http.operatorToken` set, only a request carrying it as
// `Authorization: Bearer <token>`. /healthz and /readyz stay open for load balancers and
// service managers. The token is compared as a SHA-256 digest in constant time, as the
// webhook source compares its credentials.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpHandler, HttpRoutes } from '../../sources/source.js';
import { sendJson } from './http-server.js';

export type OperatorGuard = (handler: HttpHandler) => HttpHandler;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The same routes, each handler behind the guard. */
export function guardedRoutes(routes: HttpRoutes, guard: OperatorGuard): HttpRoutes {
  return { route: (path, handler) => routes.route(path, guard(handler)), unroute: (path) => routes.unroute(path) };
}

/** Wraps handlers so they answer 401 without the token; with no token configured, everyone passes. */
export function operatorGuard(token: string | undefined): OperatorGuard {
  if (token === undefined) return (handler) => handler;
  const expected = digest(token);
  return (handler) => (req, res) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) return handler(req, res);
    res.setHeader('WWW-Authenticate', 'Bearer realm="switchboard operator"');
    return sendJson(res, 401, { error: 'unauthorized', message: 'send the operator token (http.operatorToken) in an Authorization: Bearer header' });
  };
}
