import { describe, expect, it } from 'vitest';
import { sign, signatureProblem, type HmacOptions } from '../../sources/webhook/hmac.js';

const github: HmacOptions = {
  secret: "It's a Secret to Everybody", algorithm: 'sha256', header: 'x-hub-signature-256', encoding: 'hex', toleranceMs: 300_000,
};
// GitHub's documentation ("Validating webhook deliveries"): this secret and payload give
// this X-Hub-Signature-256.
const payload = Buffer.from('Hello, World!');
const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const headers = (values: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

describe('HMAC signatures', () => {
  it("matches GitHub's published test vector", () => {
    expect(sign(github, payload).toString('hex')).toBe(signature.slice('sha256='.length));
    expect(signatureProblem(github, headers({ 'x-hub-signature-256': signature }), payload, 0)).toBeUndefined();
  });

  it('signs "<timestamp>.<body>" when a timestamp is given', () => {
    expect(sign(github, payload, '1714564800')).toEqual(sign(github, Buffer.from('1714564800.Hello, World!')));
  });

  it('refuses a signature header sent twice', () => {
    expect(signatureProblem(github, headers({ 'x-hub-signature-256': [signature, signature] }), payload, 0)).toMatch(/one x-hub-signature-256 header/);
  });

  it('says which algorithm it expected, never the expected digest', () => {
    const problem = signatureProblem(github, headers({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }), payload, 0);
    expect(problem).toBe('the x-hub-signature-256 signature does not match the body');
    expect(problem).not.toContain('757107');
  });

  it('reports the skew of a stale timestamp', () => {
    const stamped = { ...github, timestampHeader: 'x-timestamp' };
    const sent = { 'x-timestamp': '1000', 'x-hub-signature-256': sign(github, payload, '1000').toString('hex') };
    expect(signatureProblem(stamped, headers(sent), payload, 1_000_000 + 300_000)).toBeUndefined();
    expect(signatureProblem(stamped, headers(sent), payload, 1_000_000 + 300_001)).toMatch(/300s away from the appliance clock/);
  });
});
