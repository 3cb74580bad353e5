// Who may open the stream (contract section 1): a session created by POST /api/session with
// HTTP Basic credentials, or those credentials on the upgrade itself. Sessions can expire
// (after sessionTtlMs, or on expireSessions()); an expired id is refused from then on.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** How an upgrade authenticated: the session a connection depends on, or none (Basic). */
export type Authenticated = { readonly kind: 'session'; readonly sessionId: string } | { readonly kind: 'basic' };

export const sessionHeader = 'vmware-api-session-id';

/** username and password from `Basic base64(user:password)` (RFC 7617), or undefined. */
export function parseBasic(authorization: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Compare digests, so the time taken says nothing about how much of a secret matched.
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const sameText = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export class SessionStore {
  readonly #credentials: Credentials;
  readonly #ttlMs: number | undefined;
  readonly #onExpire: (sessionId: string) => void;
  /** Live sessions and their expiry timers. */
  readonly #sessions = new Map<string, NodeJS.Timeout | undefined>();
  #created = 0;

  constructor(credentials: Credentials, ttlMs: number | undefined, onExpire: (sessionId: string) => void) {
    this.#credentials = credentials;
    this.#ttlMs = ttlMs;
    this.#onExpire = onExpire;
  }

  /** Whether a Basic header carries the configured username and password. */
  checkBasic(authorization: string | undefined): boolean {
    const given = parseBasic(authorization);
    // Both compared, always: no early exit on a wrong username.
    const userOk = sameText(given?.username ?? '', this.#credentials.username);
    const passwordOk = sameText(given?.password ?? '', this.#credentials.password);
    return given !== undefined && userOk && passwordOk;
  }

  /** A new session id for valid Basic credentials (POST /api/session), or undefined. */
  login(authorization: string | undefined): string | undefined {
    if (!this.checkBasic(authorization)) return undefined;
    const sessionId = randomBytes(16).toString('hex');
    const timer = this.#ttlMs === undefined ? undefined : setTimeout(() => this.expire(sessionId), this.#ttlMs).unref();
    this.#sessions.set(sessionId, timer);
    this.#created++;
    return sessionId;
  }

  /** DELETE /api/session: the session ends, as if it had expired (its connections close). */
  logout(sessionId: string | undefined): boolean {
    return sessionId !== undefined && this.expire(sessionId);
  }

  /**
   * An upgrade's credentials: the session header when present (an unknown or expired id is
   * refused, with no fallback to Basic: the client must learn its session is gone), else Basic.
   */
  authenticate(headers: IncomingHttpHeaders): Authenticated | undefined {
    const sessionId = headers[sessionHeader];
    if (typeof sessionId === 'string') return this.#sessions.has(sessionId) ? { kind: 'session', sessionId } : undefined;
    return this.checkBasic(headers.authorization) ? { kind: 'basic' } : undefined;
  }

  expire(sessionId: string): boolean {
    if (!this.#sessions.has(sessionId)) return false;
    clearTimeout(this.#sessions.get(sessionId));
    this.#sessions.delete(sessionId);
    this.#onExpire(sessionId);
    return true;
  }

  expireAll(): number {
    const ids = [...this.#sessions.keys()];
    for (const id of ids) this.expire(id);
    return ids.length;
  }

  get created(): number {
    return this.#created;
  }

  get active(): number {
    return this.#sessions.size;
  }

  /** Stop the expiry timers (the simulator is stopping). */
  clear(): void {
    for (const timer of this.#sessions.values()) clearTimeout(timer);
    this.#sessions.clear();
  }
}
