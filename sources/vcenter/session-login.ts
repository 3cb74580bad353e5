// Session authentication (contract section 1): POST {base}/api/session with HTTP Basic
// credentials; the server answers 201 with the session id as a JSON string, 401 for wrong
// credentials. node:http(s) rather than fetch, so the request trusts exactly what the
// WebSocket does (caFile, insecureTLS).

import http from 'node:http';
import https from 'node:https';
import type { Endpoint } from './endpoint.js';

export type LoginResult =
  | { readonly kind: 'session'; readonly sessionId: string }
  /** 401: the username or password is wrong (or the account locked). */
  | { readonly kind: 'refused' }
  /** Anything else: unreachable, TLS refused, another status, a body that is no session id. */
  | { readonly kind: 'failed'; readonly problem: string };

/** A session id is a short string; anything larger is not one. */
const maxBodyBytes = 64 * 1024;

export function login(endpoint: Endpoint, timeoutMs: number, signal: AbortSignal): Promise<LoginResult> {
  const url = endpoint.sessionUrl;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: LoginResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = client.request(url, {
      method: 'POST',
      headers: { authorization: endpoint.basicAuthorization, accept: 'application/json', 'content-length': '0' },
      timeout: timeoutMs,
      signal,
      ...(url.protocol === 'https:' ? endpoint.tls : {}),
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (err) => finish({ kind: 'failed', problem: `cannot log in at ${url.href}: ${err.message}` }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) return void response.destroy(new Error('session answer too large'));
        chunks.push(chunk);
      });
      response.on('error', (err) => finish({ kind: 'failed', problem: `cannot log in at ${url.href}: ${err.message}` }));
      response.on('end', () => finish(readAnswer(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), url)));
    });
    request.end();
  });
}

function readAnswer(status: number, body: string, url: URL): LoginResult {
  if (status === 401) return { kind: 'refused' };
  // The contract says 201; any 2xx carrying a session id is taken as the same answer.
  if (status < 200 || status > 299) return { kind: 'failed', problem: `login at ${url.href} answered HTTP ${status}` };
  let sessionId: unknown;
  try {
    sessionId = JSON.parse(body);
  } catch {
    return { kind: 'failed', problem: `login at ${url.href} answered ${status} without a JSON string (the session id)` };
  }
  // It becomes a header value: printable ASCII only, or the upgrade request would be invalid.
  if (typeof sessionId !== 'string' || !/^[\x20-\x7e]+$/.test(sessionId)) {
    return { kind: 'failed', problem: `login at ${url.href} answered ${status} without a session id string` };
  }
  return { kind: 'session', sessionId };
}
