// The abuse-protection handshake of http-webhook.md 4: before delivering, a sender asks with
// OPTIONS and WebHook-Request-Origin whether this target wants its notifications; the target
// grants by answering WebHook-Allowed-Origin and WebHook-Allowed-Rate (4.2).
//
// Readings of the spec:
// - No credential is required: "the handshake does not aim to establish an authentication or
//   authorization context" (4), and an HMAC cannot be checked on a request without a body.
//   The answer reveals only whether the origin is granted and the rate limit.
// - Not rate-limited: it publishes nothing and costs no more than a 405 would.
// - Granted origins are echoed, never answered with '*', so a sender that compares the
//   answer with its own origin sees its name (4.2.1 allows either).
// - WebHook-Allowed-Rate is always sent (4.2.2: MUST when WebHook-Request-Rate was sent,
//   SHOULD otherwise): the source's limit in requests per minute, or '*' without one. The
//   grant is that limit whatever rate was asked for; a sender asking for less may send less.
// - WebHook-Request-Callback is never called: the grant is given in this answer, and an
//   appliance that fetched URLs named by unauthenticated requests could be steered at
//   internal hosts. 4.2 lets a target withhold the grant headers only when it uses the
//   callback, which it does not.
// - A refused origin gets 403 and no grant headers ("the handshake cannot rely on status
//   codes", 4.2: the missing headers are the refusal).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { allowedMethods, sendJson } from './respond.js';
import { originPattern } from './schema.js';

export interface HandshakeOptions {
  /** Lower-cased origins granted; undefined grants every origin. */
  readonly allowedOrigins: ReadonlySet<string> | undefined;
  /** WebHook-Allowed-Rate: requests per minute, or '*'. */
  readonly allowedRate: string;
}

const origin = new RegExp(originPattern);

export function answerHandshake(req: IncomingMessage, res: ServerResponse, options: HandshakeOptions): void {
  const requested = req.headersDistinct['webhook-request-origin'];
  if (requested === undefined) {
    // A plain OPTIONS (RFC 9110 9.3.7): what this resource accepts, no grant.
    res.writeHead(200, { allow: allowedMethods, 'content-length': '0' }).end();
    return;
  }
  const name = requested.length === 1 ? requested[0]!.trim() : '';
  if (!origin.test(name)) {
    sendJson(res, 400, { error: 'webhook_request_origin', message: 'WebHook-Request-Origin must be one DNS name, e.g. eventemitter.example.com (http-webhook.md 4.1.2)' }, { allow: allowedMethods });
    return;
  }
  if (options.allowedOrigins !== undefined && !options.allowedOrigins.has(name.toLowerCase())) {
    sendJson(res, 403, { error: 'webhook_origin_not_allowed', message: `origin ${name} is not among this source's allowedOrigins` }, { allow: allowedMethods });
    return;
  }
  res.writeHead(200, {
    allow: allowedMethods,
    'webhook-allowed-origin': name,
    'webhook-allowed-rate': options.allowedRate,
    'content-length': '0',
  }).end();
}
