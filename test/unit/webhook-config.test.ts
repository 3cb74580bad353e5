import { describe, expect, test } from 'vitest';
import { loadError, loadTree } from '../fixtures/config/load-tree.js';

// The webhook's auth, rateLimit and allowedOrigins as an operator writes them in YAML, and
// what the loader says when they are wrong.

const webhook = (lines: string) => ({
  'switchboard.yaml': `apiVersion: switchboard/v1\nsources:\n  - name: hooks\n    type: webhook\n    path: /hooks\n${lines}`,
});
const problems = async (lines: string) =>
  (await loadError(webhook(lines))).problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);

describe('webhook config', () => {
  test('accepts every auth type, a rate limit and allowed origins, with secrets from the environment', async () => {
    const auths = [
      'auth:\n      type: basic\n      username: ops\n      password: ${env:HOOK_PASSWORD}\n',
      'auth:\n      type: bearer\n      token: ${env:HOOK_TOKEN}\n',
      'auth:\n      type: hmac\n      secret: ${env:HOOK_SECRET}\n      algorithm: sha1\n      header: X-Signature\n      encoding: base64\n      timestampHeader: X-Signature-Timestamp\n      tolerance: 2m\n',
    ];
    for (const auth of auths) {
      const { config } = await loadTree(
        webhook(`    ${auth}    rateLimit:\n      requestsPerSecond: 0.5\n      burst: 5\n    allowedOrigins: [eventemitter.example.com]\n    maxBatchEvents: 50\n`),
        { HOOK_PASSWORD: 'p', HOOK_TOKEN: 't', HOOK_SECRET: 's' },
      );
      expect(config.sources[0]).toMatchObject({ rateLimit: { requestsPerSecond: 0.5, burst: 5 }, allowedOrigins: ['eventemitter.example.com'] });
    }
  });

  test('names the missing credential of the chosen auth type', async () => {
    expect(await problems('    auth:\n      type: basic\n      username: ops\n')).toEqual(['7:7 sources[0].auth: missing required key "password"']);
  });

  test("refuses a key of another auth type, listing the chosen type's keys", async () => {
    expect(await problems('    auth:\n      type: hmac\n      secret: s\n      token: t\n')).toEqual([
      '9:7 sources[0].auth.token: unknown key "token": expected one of type, secret, algorithm, header, encoding, timestampHeader, tolerance',
    ]);
  });

  test('suggests the auth type meant', async () => {
    expect(await problems('    auth:\n      type: hmca\n      secret: s\n')).toEqual([
      '7:13 sources[0].auth.type: expected one of basic, bearer, hmac, got "hmca"; did you mean "hmac"?',
    ]);
  });

  test('refuses a tolerance without the timestamp header it applies to', async () => {
    expect(await problems('    auth:\n      type: hmac\n      secret: s\n      tolerance: 5m\n')).toEqual([
      '9:7 sources[0].auth.tolerance: "tolerance" needs "timestampHeader" beside it',
    ]);
  });

  test('refuses a rate of zero and a misspelt burst', async () => {
    expect(await problems('    rateLimit:\n      requestsPerSecond: 0\n      brust: 3\n')).toEqual([
      '7:26 sources[0].rateLimit.requestsPerSecond: expected a number above 0, got 0',
      '8:7 sources[0].rateLimit.brust: unknown key "brust" (did you mean "burst"?): expected one of requestsPerSecond, burst',
    ]);
  });
});
