// Secrets reach exactly the functions that declare them — as an env var and a read-only
// file — and a missing one is a config error at its line, before anything starts.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, runCli, startAppliance, type ApplianceFixture, type RunningAppliance } from '../helpers/appliance.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder | undefined;
let fixture: ApplianceFixture | undefined;
let appliance: RunningAppliance | undefined;

afterAll(async () => {
  await appliance?.killGroup();
  await recorder?.close();
  await fixture?.cleanup();
});

const probe = (url: string, name: string) => `import { readFileSync } from 'node:fs';
export default async function (event) {
  const attempt = (f) => { try { return f(); } catch (e) { return 'refused: ' + e.code; } };
  await fetch(${JSON.stringify(url)}, { method: 'POST', body: JSON.stringify({
    fn: ${JSON.stringify(name)}, id: event.id,
    env: process.env.CHAT_URL ?? null,
    file: attempt(() => readFileSync(process.env.CHAT_URL_FILE ?? '/nonexistent', 'utf8').trim()),
    other: attempt(() => readFileSync(event.data.secretFile, 'utf8')),
  }) });
}
`;

describe('function secrets', () => {
  it('gives a secret only to the function that declares it, as env var and readable file', async () => {
    recorder = await startRecorder();
    fixture = await createFixture({
      functionsYaml: 'secretsDir: ./secrets',
      functions: {
        'with-secret.mjs': probe(recorder.url, 'with-secret'),
        'with-secret.yaml': 'secrets: [chat-url]\n',
        'without-secret.mjs': probe(recorder.url, 'without-secret'),
      },
      yamlBody: `
sources:
  - { name: hooks, type: webhook, path: /hook }
subscriptions:
  - { name: a, function: with-secret }
  - { name: b, function: without-secret }
`,
    });
    const secretFile = join(fixture.dir, 'secrets', 'chat-url');
    await mkdir(join(fixture.dir, 'secrets'), { recursive: true });
    await writeFile(secretFile, 'https://chat.example/hooks/T0K3N\n', { mode: 0o600 });
    appliance = await startAppliance(fixture);
    const res = await fetch(`${fixture.baseUrl}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secretFile }) });
    expect(res.status).toBe(202);
    const withSecret = await eventually(() => recorder!.of('with-secret')[0], 20_000, 'the declaring function');
    const without = await eventually(() => recorder!.of('without-secret')[0], 20_000, 'the other function');
    expect(withSecret).toMatchObject({ env: 'https://chat.example/hooks/T0K3N', file: 'https://chat.example/hooks/T0K3N' });
    expect(without.env).toBeNull();
    expect(String(without.other)).toMatch(/^refused/u);
    // Never logged.
    expect(JSON.stringify(appliance.logs)).not.toContain('T0K3N');
  });

  it('reports a declared secret that does not exist at its line, before anything starts', async () => {
    const broken = await createFixture({
      functionsYaml: 'secretsDir: ./secrets',
      functions: { 'notify.mjs': 'export default async () => 1;', 'notify.yaml': 'env: { A: "1" }\nsecrets:\n  - chat-url\n' },
      yamlBody: '',
    });
    try {
      const result = await runCli(['validate', '--config', broken.configFile]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('SB_CONFIG_REFERENCE');
      expect(result.stderr).toMatch(/notify\.yaml:3:\d+ secrets\[0\]: secret "chat-url" does not exist/u);
    } finally {
      await broken.cleanup();
    }
  });
});
