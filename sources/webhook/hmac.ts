// HMAC request signatures, GitHub style: a header holding the hex (or base64) digest of the
// raw body, optionally prefixed by the algorithm (`X-Hub-Signature-256: sha256=<hex>`).
// With a timestamp header the signed message is `<timestamp>.<body>` (Stripe's convention):
// the timestamp is covered by the signature, so a request captured today cannot be sent again
// tomorrow with a fresh one — it is refused once it is older than the tolerance.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacAlgorithm } from './schema.js';

export interface HmacOptions {
  readonly secret: string;
  readonly algorithm: HmacAlgorithm;
  /** Lower-cased header names. */
  readonly header: string;
  readonly encoding: 'hex' | 'base64';
  readonly timestampHeader?: string;
  readonly toleranceMs: number;
}

type Headers = Readonly<Record<string, readonly string[] | undefined>>;

const digestBytes: Readonly<Record<HmacAlgorithm, number>> = { sha1: 20, sha256: 32, sha512: 64 };
const prefixed = /^(sha1|sha256|sha512)=(.*)$/i;
const hex = /^[0-9a-fA-F]+$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
const unixSeconds = /^[0-9]{1,12}$/;

/** The signature a sender computes: HMAC of the body, or of `<timestamp>.<body>`. */
export function sign(options: Pick<HmacOptions, 'secret' | 'algorithm'>, body: Buffer, timestamp?: string): Buffer {
  const hmac = createHmac(options.algorithm, options.secret);
  if (timestamp !== undefined) hmac.update(`${timestamp}.`, 'latin1');
  return hmac.update(body).digest();
}

/**
 * Why the request's signature does not vouch for its body, or undefined when it does.
 * `now` is wall-clock milliseconds. What it says names headers and formats, never the secret
 * or the expected digest.
 */
export function signatureProblem(options: HmacOptions, headers: Headers, body: Buffer, now: number): string | undefined {
  const given = single(headers, options.header);
  if (given === undefined) return `send the HMAC-${options.algorithm.toUpperCase()} signature of the body in one ${options.header} header`;
  const digest = decodeSignature(options, given);
  if (typeof digest === 'string') return digest;
  let timestamp: string | undefined;
  if (options.timestampHeader !== undefined) {
    timestamp = single(headers, options.timestampHeader);
    if (timestamp === undefined || !unixSeconds.test(timestamp)) {
      return `send the time of sending in Unix seconds in one ${options.timestampHeader} header`;
    }
  }
  // Equal lengths by construction (decodeSignature checked the digest size), so
  // timingSafeEqual compares in constant time and cannot throw.
  if (!timingSafeEqual(digest, sign(options, body, timestamp))) {
    return `the ${options.header} signature does not match the body${timestamp === undefined ? '' : ` and ${options.timestampHeader}`}`;
  }
  if (timestamp !== undefined) {
    const skew = Math.abs(now - Number(timestamp) * 1000);
    if (skew > options.toleranceMs) {
      return `the ${options.timestampHeader} timestamp is ${Math.round(skew / 1000)}s away from the appliance clock, more than the tolerance of ${options.toleranceMs / 1000}s; sign each delivery when it is sent, and check the sender's clock`;
    }
  }
  return undefined;
}

function single(headers: Headers, name: string): string | undefined {
  const values = headers[name];
  return values?.length === 1 ? values[0]!.trim() : undefined;
}

/** The digest bytes the header carries, or a problem. */
function decodeSignature(options: HmacOptions, value: string): Buffer | string {
  let text = value;
  const m = prefixed.exec(value);
  if (m) {
    if (m[1]!.toLowerCase() !== options.algorithm) {
      return `${options.header} is signed with ${m[1]!.toLowerCase()}; this source expects ${options.algorithm}`;
    }
    text = m[2]!;
  }
  const valid = options.encoding === 'hex' ? hex.test(text) : base64.test(text);
  const digest = valid ? Buffer.from(text, options.encoding) : undefined;
  if (digest?.length !== digestBytes[options.algorithm]) {
    return `${options.header} does not hold a ${options.encoding} ${options.algorithm} digest (optionally prefixed with "${options.algorithm}=")`;
  }
  return digest;
}
