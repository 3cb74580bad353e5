// What the sender hears back. http-webhook.md 2.2: 202 once the event is stored (it is
// accepted, not yet processed), 415 for a format not understood, 429 with Retry-After over
// the rate limit; everything but 2xx tells the sender to keep the event, so nothing is
// half-accepted.

import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  BusUnavailableError, EventTooLargeError, InvalidEventError, MalformedEventError, type SwitchboardError,
} from '../../src/errors.js';
import { AuthenticationFailedError } from './auth.js';
import { UnsupportedMediaTypeError } from './parse-request.js';
import { RateLimitExceededError } from './rate-limit.js';

/** What deps.countReceived is told about each request that reached the source (each event, for a batch). */
export type ReceiveOutcome =
  | 'accepted' | 'duplicate' | 'invalid' | 'malformed' | 'too_large' | 'unsupported' | 'unauthorized' | 'rate_limited'
  | 'unavailable' | 'error';

/** Seconds a sender is asked to wait while the bus is unreachable. */
export const retryAfterSeconds = 5;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * The answer to stored events. http-webhook.md 3.2: a success answer to a request that may
 * carry its token in the URL SHOULD say Cache-Control: private.
 */
export function sendAccepted(res: ServerResponse, body: unknown): void {
  sendJson(res, 202, body, { 'cache-control': 'private' });
}

/** http-webhook.md 2.1: delivery is POST; OPTIONS is the validation handshake (4). */
export const allowedMethods = 'OPTIONS, POST';

export function refuseMethod(res: ServerResponse, method: string | undefined): void {
  sendJson(res, 405, { error: 'method_not_allowed', message: `${method ?? 'this method'} is not accepted here; deliver events with POST` }, { allow: allowedMethods });
}

export interface FailureContext {
  readonly logger: Logger;
  /** Logged with an unexpected failure (the source's name). */
  readonly log: Record<string, unknown>;
  /**
   * The body was not read: close the connection rather than let Node drain an unbounded
   * body the sender may still be writing.
   */
  readonly bodyUnread?: boolean;
}

/** Answers a request that did not end in a stored event; returns the outcome to count. */
export function sendFailure(res: ServerResponse, err: unknown, context: FailureContext): ReceiveOutcome {
  const { logger, log } = context;
  if (res.headersSent) {
    // Nothing sensible can follow a started response; cut it so the sender sees a failure.
    logger.error({ ...log, err }, 'webhook response failed after it started');
    res.destroy();
    return 'error';
  }
  if (err instanceof EventTooLargeError) {
    // Close the connection: the rest of an oversized body is not worth reading.
    sendJson(res, 413, errorBody(err), { connection: 'close' });
    return 'too_large';
  }
  const close: Record<string, string> = context.bodyUnread ? { connection: 'close' } : {};
  if (err instanceof AuthenticationFailedError) {
    // Nothing about the request is logged: a flood of bad credentials is counted, not logged.
    sendJson(res, 401, errorBody(err), { ...close, 'www-authenticate': err.challenge });
    return 'unauthorized';
  }
  if (err instanceof RateLimitExceededError) {
    sendJson(res, 429, errorBody(err), { ...close, 'retry-after': String(err.retryAfterSeconds) });
    return 'rate_limited';
  }
  if (err instanceof UnsupportedMediaTypeError) {
    sendJson(res, 415, errorBody(err));
    return 'unsupported';
  }
  if (err instanceof InvalidEventError || err instanceof MalformedEventError) {
    sendJson(res, 400, errorBody(err));
    return err instanceof InvalidEventError ? 'invalid' : 'malformed';
  }
  if (err instanceof BusUnavailableError) {
    // The bus's own message names servers; the sender needs only when to retry.
    const body = { error: err.code, message: `the bus did not confirm the store; send the request again in ${retryAfterSeconds} seconds` };
    sendJson(res, 503, body, { 'retry-after': String(retryAfterSeconds) });
    return 'unavailable';
  }
  logger.error({ ...log, err }, 'webhook could not store an event');
  // Same shape as the shared listener's own 500 (src/http/http-server.ts).
  sendJson(res, 500, { error: 'internal', message: 'the event was not stored because of an internal error; retry later' });
  return 'error';
}

function errorBody(err: SwitchboardError): { error: string; message: string } {
  return { error: err.code, message: err.message };
}
