import { afterEach, describe, expect, it } from 'vitest';
import { createFixture, runCli, type ApplianceFixture } from '../helpers/appliance.js';

let fixture: ApplianceFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('switchboard validate', () => {
  it('passes a good configuration and lists what it found', async () => {
    fixture = await createFixture({
      functions: { 'hello.mjs': 'export default async () => "hi";' },
      yamlBody: `
sources:
  - name: ops
    type: webhook
    path: /webhooks/ops
subscriptions:
  - name: greet
    function: hello
  - name: mixed
    function: hello
    filters:
      - cesql: "type = 'a' OR type = 'b' AND subject = 'c'"
`,
    });
    const result = await runCli(['validate', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('greet → hello');
    // Valid, but most likely not what was meant: said, with where.
    expect(result.stdout).toMatch(/warning: subscription mixed \(.*switchboard\.yaml:\d+\) filters\[0\]: .*(AND|OR)/);
  });

  it('fails on a misspelt key, naming the key, its line and the right spelling', async () => {
    fixture = await createFixture({
      functions: { 'hello.mjs': 'export default async () => "hi";' },
      yamlBody: `
sources:
  - name: ops
    type: webhook
    pth: /webhooks/ops
`,
    });
    const result = await runCli(['validate', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('SB_CONFIG_INVALID');
    const line = (await import('node:fs')).readFileSync(fixture.configFile, 'utf8').split('\n').findIndex((l) => l.includes('pth:')) + 1;
    expect(result.stderr).toMatch(new RegExp(`switchboard\\.yaml:${line}:\\d+ sources\\[0\\]`, 'u'));
    expect(result.stderr).toContain('"pth"');
    expect(result.stderr).toContain('path');
  });

  it('reports a syntax error in a function with its file and line', async () => {
    fixture = await createFixture({
      functions: {
        'good.js': 'module.exports = async () => 1;\n',
        'broken.js': 'export default async function (event) {\n  const x = ;\n}\n',
      },
      yamlBody: '',
    });
    const result = await runCli(['validate', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('SB_FUNCTION_LOAD_FAILED');
    expect(result.stderr).toMatch(/functions\/broken\.js:2:\d+ function broken: SyntaxError/u);
    expect(result.stderr).not.toContain('good');
  });

  it('refuses to start on an invalid configuration and starts nothing', async () => {
    fixture = await createFixture({ yamlBody: 'subscriptions:\n  - name: x\n    function: missing\n' });
    const result = await runCli(['start', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('SB_FUNCTION_NOT_FOUND');
    expect(result.stdout).not.toContain('switchboard is running');
  });

  it('says clearly when no appliance is running for a state-reading command', async () => {
    fixture = await createFixture({ yamlBody: '' });
    const result = await runCli(['dlq', 'list', '--config', fixture.configFile]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('SB_APPLIANCE_NOT_RUNNING');
    expect(result.stderr).toContain('switchboard start');
  });

  it('functions list shows each function with its manifest, and functions invoke runs one in its sandbox', async () => {
    fixture = await createFixture({
      functions: {
        'greet.mjs': 'export default async (event) => ({ hello: event.data.name, secretSeen: process.env.TOKEN ?? null });',
        'greet.yaml': 'env: { TOKEN: "not-shown" }\ntimeout: 5s\n',
      },
      yamlBody: 'subscriptions:\n  - { name: greetings, function: greet }\n',
    });
    const list = await runCli(['functions', 'list', '--json', '--config', fixture.configFile]);
    expect(list.exitCode).toBe(0);
    const [greet] = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(greet).toMatchObject({ name: 'greet', runtime: 'javascript', timeoutMs: 5_000, env: ['TOKEN'], subscriptions: ['greetings'], workers: null });
    expect(list.stdout).not.toContain('not-shown');

    const { writeFile } = await import('node:fs/promises');
    const eventFile = `${fixture.dir}/event.json`;
    await writeFile(eventFile, JSON.stringify({ specversion: '1.0', id: 'e1', source: '/t', type: 't', data: { name: 'ops' } }));
    const invoked = await runCli(['functions', 'invoke', 'greet', '--event', eventFile, '--json', '--config', fixture.configFile]);
    expect(invoked.exitCode).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ ok: true, result: { hello: 'ops', secretSeen: 'not-shown' } });
  });
});
