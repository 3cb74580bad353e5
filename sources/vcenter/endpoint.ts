// Where and how to reach the server, worked out once from the config (contract sections 1
// and 2): the login URL, the stream URL (with `since` when resuming), the credentials a
// request carries, and what TLS trusts.

import type { VcenterAuth } from './schema.js';

export interface TlsTrust {
  /** false only with insecureTLS. */
  readonly rejectUnauthorized: boolean;
  /** PEM text of caFile, when configured. */
  readonly ca?: string;
}

export interface Endpoint {
  /** `{base}/api/session`. */
  readonly sessionUrl: URL;
  readonly auth: VcenterAuth;
  /** `Basic <base64(user:password)>`: the login's credentials, or every upgrade's with auth basic. */
  readonly basicAuthorization: string;
  readonly tls: TlsTrust;
}

/** `{base}` without the trailing slashes a path is appended to. */
function basePath(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}

export function createEndpoint(url: string, username: string, password: string, auth: VcenterAuth, tls: TlsTrust): Endpoint {
  const base = new URL(url);
  const sessionUrl = new URL(base.href);
  sessionUrl.pathname = `${basePath(base)}/api/session`;
  sessionUrl.search = '';
  sessionUrl.hash = '';
  // RFC 7617: user-id ":" password, UTF-8, base64.
  const basicAuthorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return { sessionUrl, auth, basicAuthorization, tls };
}

/** `ws(s)://…{base path}/sdk/events/ws[?since=K]` (contract section 2). */
export function streamUrl(configuredUrl: string, since: number | undefined): URL {
  const base = new URL(configuredUrl);
  const url = new URL(base.href);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${basePath(base)}/sdk/events/ws`;
  url.search = since === undefined ? '' : `?since=${since}`;
  url.hash = '';
  return url;
}

/** The header that authenticates one upgrade: the session, or the credentials themselves. */
export function upgradeHeaders(endpoint: Endpoint, sessionId: string | undefined): Record<string, string> {
  if (endpoint.auth === 'basic') return { authorization: endpoint.basicAuthorization };
  return sessionId === undefined ? {} : { 'vmware-api-session-id': sessionId };
}
