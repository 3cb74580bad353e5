// Who may deliver to a webhook source: basic credentials, a bearer token (http-webhook.md 3:
// the Authorization header or the access_token query parameter, both of which a delivery
// target MUST support), or an HMAC signature of the body. A request that fails gets 401 and
// is never parsed, let alone published.
//
// Secrets are compared as SHA-256 digests with timingSafeEqual: digests have equal lengths
// whatever was sent, so timing reveals neither the secret's length nor how much of it a
// guess got right.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseDuration } from '../../src/config/units.js';
import { UnauthorizedEventError } from '../../src/errors.js';
import { signatureProblem, type HmacOptions } from './hmac.js';
import { ReplayGuard } from './replay-guard.js';
import { defaultSignatureHeaders, defaultTolerance, type WebhookAuthConfig } from './schema.js';

/** A refused credential, with the WWW-Authenticate challenge its 401 carries (RFC 9110 11.6.1). */
export class AuthenticationFailedError extends UnauthorizedEventError {
  constructor(message: string, readonly challenge: string) {
    super(message);
  }
}

type Headers = Readonly<Record<string, readonly string[] | undefined>>;

export interface RequestAuth {
  /** Checks what the headers carry, before a byte of the body is read (basic, bearer). */
  checkHeaders(req: IncomingMessage): void;
  /** Checks a signature over the exact body bytes received (hmac). */
  checkBody(headers: Headers, body: Buffer): void;
  /** The request's events were all stored: a replay of it must now be refused. */
  accepted(headers: Headers): void;
}

const anyone: RequestAuth = { checkHeaders: () => {}, checkBody: () => {}, accepted: () => {} };

/** `now` is wall-clock milliseconds (HMAC timestamps). */
export function createRequestAuth(config: WebhookAuthConfig | undefined, realm: string, now: () => number): RequestAuth {
  switch (config?.type) {
    case undefined:
      return anyone;
    case 'basic':
      return basicAuth(config.username, config.password, realm);
    case 'bearer':
      return bearerAuth(config.token, realm);
    case 'hmac':
      return hmacAuth(hmacOptions(config), realm, now);
  }
}

function basicAuth(username: string, password: string, realm: string): RequestAuth {
  const expectedUser = digest(username);
  const expectedPassword = digest(password);
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;
  return {
    checkHeaders(req) {
      const header = req.headers.authorization;
      const m = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
      if (!m) throw new AuthenticationFailedError('send the credentials in an Authorization: Basic header', challenge);
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8'); // RFC 7617 2.1: UTF-8
      const colon = decoded.indexOf(':');
      // Both compared, always: stopping at a wrong user name would time the user name.
      const userMatches = timingSafeEqual(digest(colon < 0 ? decoded : decoded.slice(0, colon)), expectedUser);
      const passwordMatches = timingSafeEqual(digest(colon < 0 ? '' : decoded.slice(colon + 1)), expectedPassword);
      if (!(colon >= 0 && userMatches && passwordMatches)) throw new AuthenticationFailedError('wrong user name or password', challenge);
    },
    checkBody: () => {},
    accepted: () => {},
  };
}

function bearerAuth(token: string, realm: string): RequestAuth {
  const expected = digest(token);
  return {
    checkHeaders(req) {
      const given = bearerToken(req, realm);
      // RFC 6750 3.1: error="invalid_token" tells a sender its token, not its request, is wrong.
      if (!timingSafeEqual(digest(given), expected)) {
        throw new AuthenticationFailedError('wrong bearer token', `Bearer realm="${realm}", error="invalid_token"`);
      }
    },
    checkBody: () => {},
    accepted: () => {},
  };
}

// http-webhook.md 3.1 (Authorization: Bearer) and 3.2 (?access_token=, for senders that
// cannot set headers). RFC 6750 3.1: a request without a token is answered with the realm
// alone, no error code.
function bearerToken(req: IncomingMessage, realm: string): string {
  const challenge = `Bearer realm="${realm}"`;
  const header = req.headers.authorization;
  const fromQuery = new URL(req.url ?? '/', 'http://h').searchParams.getAll('access_token');
  if (header !== undefined && fromQuery.length > 0) {
    throw new AuthenticationFailedError('send the token once: in the Authorization header or in access_token, not both (RFC 6750 2)', challenge);
  }
  if (header !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) throw new AuthenticationFailedError('the Authorization header does not hold a Bearer token', challenge);
    return m[1]!;
  }
  if (fromQuery.length === 1 && fromQuery[0] !== '') return fromQuery[0]!;
  throw new AuthenticationFailedError('send the token in an Authorization: Bearer header (or one access_token query parameter)', challenge);
}

function hmacOptions(config: Extract<WebhookAuthConfig, { type: 'hmac' }>): HmacOptions {
  const algorithm = config.algorithm ?? 'sha256';
  return {
    secret: config.secret,
    algorithm,
    header: (config.header ?? defaultSignatureHeaders[algorithm]).toLowerCase(),
    encoding: config.encoding ?? 'hex',
    ...(config.timestampHeader === undefined ? {} : { timestampHeader: config.timestampHeader.toLowerCase() }),
    toleranceMs: parseDuration(config.tolerance ?? defaultTolerance),
  };
}

function hmacAuth(options: HmacOptions, realm: string, now: () => number): RequestAuth {
  // HMAC has no registered HTTP scheme; RFC 9110 11.6.1 still requires a challenge on 401.
  const challenge = `HMAC realm="${realm}"`;
  // Without a timestamp a signature never expires, so there is nothing bounded to remember:
  // replays of such senders (GitHub's default) are deduplicated only by the bus.
  const replays = options.timestampHeader === undefined ? undefined : new ReplayGuard();
  const signatureOf = (headers: Headers) => `${headers[options.header]?.[0] ?? ''}|${headers[options.timestampHeader ?? '']?.[0] ?? ''}`;
  return {
    checkHeaders: () => {},
    checkBody(headers, body) {
      const problem = signatureProblem(options, headers, body, now());
      if (problem !== undefined) throw new AuthenticationFailedError(problem, challenge);
      if (replays?.seen(signatureOf(headers), now())) {
        throw new AuthenticationFailedError('this signed request was already received: a replay; sign each delivery anew', challenge);
      }
    },
    accepted(headers) {
      if (!replays) return;
      const timestampMs = Number(headers[options.timestampHeader!]?.[0]) * 1000;
      replays.remember(signatureOf(headers), timestampMs + options.toleranceMs, now());
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
