// One webhook request from arrival to answer, cheapest refusal first:
//
//   OPTIONS → the validation handshake (handshake.ts), nothing else.
//   POST    → credentials in headers (basic, bearer) → rate limit → body under its size limit
//             → HMAC over the raw body → parse → validate → dispatch → 202.
//
// Header credentials are checked before the rate limit, so requests without them cannot use
// up a sender's budget; an HMAC needs the body, so signed sources are rate-limited first and
// read (at most maxBodySize) before the signature is checked. Nothing is parsed, let alone
// dispatched, before the credentials passed.
//
// 202 is answered only once `dispatch` resolved — i.e. once JetStream stored the event
// (sources/source.ts, DESIGN.md "The event path"). A sender that hears anything else keeps
// the event and retries.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch, HttpHandler, SourceDeps } from '../source.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { AuthenticationFailedError, type RequestAuth } from './auth.js';
import { isBatch, receiveBatch } from './batch.js';
import { answerHandshake, type HandshakeOptions } from './handshake.js';
import { parseRequest, type WrapOptions } from './parse-request.js';
import type { RequestRateLimit } from './rate-limit.js';
import { readBody, RequestAbortedError } from './read-body.js';
import { refuseMethod, sendAccepted, sendFailure, type ReceiveOutcome } from './respond.js';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';

export interface ReceiveOptions {
  readonly name: string;
  readonly maxBodySize: number;
  readonly maxBatchEvents: number;
  readonly wrap: WrapOptions;
  readonly auth: RequestAuth;
  /** Present when the source has `auth`: slows guessing from one address. */
  readonly failedAuth?: FailedAuthThrottle;
  readonly rateLimit: RequestRateLimit;
  readonly handshake: HandshakeOptions;
}

export function createReceiver(options: ReceiveOptions, dispatch: Dispatch, deps: SourceDeps): HttpHandler {
  const log = { source: options.name };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'OPTIONS') return answerHandshake(req, res, options.handshake);
    if (req.method !== 'POST') return refuseMethod(res, req.method);
    let outcomes: readonly ReceiveOutcome[];
    let bodyUnread = true;
    const address = req.socket.remoteAddress ?? 'unknown';
    try {
      options.failedAuth?.check(address);
      options.auth.checkHeaders(req);
      options.rateLimit.take();
      const body = await readBody(req, options.maxBodySize);
      bodyUnread = false;
      options.auth.checkBody(req.headersDistinct, body);
      const contentType = req.headers['content-type'];
      outcomes = isBatch(contentType)
        ? await receiveBatch(contentType!, body, options.maxBatchEvents, dispatch, res, (err) => sendFailure(res, err, { logger: deps.logger, log }))
        : [await receiveOne(req, body, options.wrap, dispatch, res)];
    } catch (err) {
      // The sender left before its body was complete: nobody to answer, nothing received.
      if (err instanceof RequestAbortedError) return;
      if (err instanceof AuthenticationFailedError) options.failedAuth?.failed(address);
      outcomes = [sendFailure(res, err, { logger: deps.logger, log, bodyUnread })];
    }
    for (const outcome of outcomes) deps.countReceived(outcome);
    if (outcomes.length > 0 && outcomes.every((o) => o === 'accepted' || o === 'duplicate')) {
      options.auth.accepted(req.headersDistinct);
    }
  };
}

async function receiveOne(req: IncomingMessage, body: Buffer, wrap: WrapOptions, dispatch: Dispatch, res: ServerResponse): Promise<ReceiveOutcome> {
  const candidate = parseRequest({ headers: req.headersDistinct, body }, wrap);
  // Validated here so a bad event is refused with every reason before touching the bus;
  // the record is branded, so the intake's own validation is a lookup.
  const event = validateCloudEvent(candidate);
  const stored = await dispatch(event);
  sendAccepted(res, { id: stored.event.id, source: stored.event.source, duplicate: stored.duplicate });
  return stored.duplicate ? 'duplicate' : 'accepted';
}
