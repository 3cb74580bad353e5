// With http.operatorToken set, what functions did and said (/invocations, /functions) and the
// metrics are for the operator only; /healthz and /readyz stay open. The CLI sends the token.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';

const token = 'a-long-operator-token-1234';
let fixture: ApplianceFixture;
let appliance: RunningAppliance;

beforeAll(async () => {
  fixture = await createFixture({
    functions: { 'ready.mjs': 'export default async () => ({ ok: true });', 'ready.yaml': 'minWarm: 1\n' },
    yamlBody: `subscriptions: []\n`,
  });
  // The fixture writes http.listen; add the token under it.
  const { readFile, writeFile } = await import('node:fs/promises');
  const text = await readFile(fixture.configFile, 'utf8');
  await writeFile(fixture.configFile, text.replace(/^http:\n/m, `http:\n  operatorToken: ${token}\n`));
  appliance = await startAppliance(fixture);
});

afterAll(async () => {
  await appliance?.stop();
  await fixture?.cleanup();
});

describe('operator endpoints with http.operatorToken', () => {
  it('refuse /invocations, /functions and /metrics without the token, answer with it; health stays open', async () => {
    for (const path of ['/invocations', '/invocations/some-id', '/functions', '/metrics']) {
      const refused = await fetch(`${fixture.baseUrl}${path}`);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await fetch(`${fixture.baseUrl}${path}`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } });
      expect(wrong.status, path).toBe(401);
    }
    const auth = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${fixture.baseUrl}/invocations`, auth)).status).toBe(200);
    expect((await fetch(`${fixture.baseUrl}/functions`, auth)).status).toBe(200);
    expect((await fetch(`${fixture.baseUrl}/metrics`, auth)).status).toBe(200);
    expect((await fetch(`${fixture.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${fixture.baseUrl}/readyz`)).status).toBe(200);
  });

  it('functions list sends the token from the config, so it still shows the workers', async () => {
    const list = await runCli(['functions', 'list', '--json', '--config', fixture.configFile]);
    const [ready] = JSON.parse(list.stdout) as { name: string; workers: unknown[] | null }[];
    expect(ready!.workers).not.toBeNull();
  });
});
