// In the image the running appliance keeps the console banner current itself
// (SWITCHBOARD_CONSOLE_ISSUE): a real appliance writes the file with its URL and health as
// soon as it runs, and when it stops leaves a banner that says it does not answer.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, startAppliance, type ApplianceFixture } from '../helpers/appliance.js';

let fixture: ApplianceFixture;
let out: string;

beforeAll(async () => {
  fixture = await createFixture({ yamlBody: 'sources:\n  - { name: hooks, type: webhook, path: /webhooks/hooks }\nsubscriptions: []' });
  out = await mkdtemp(join(tmpdir(), 'sb-issue-'));
});

afterAll(async () => {
  await fixture?.cleanup();
  await rm(out, { recursive: true, force: true });
});

describe('the console banner the appliance writes', () => {
  it('shows the URL and health while running, and "not answering" once stopped', async () => {
    const issue = join(out, 'issue');
    const appliance = await startAppliance(fixture, { env: { SWITCHBOARD_CONSOLE_ISSUE: issue } });
    const running = await eventually(() => readFile(issue, 'utf8').catch(() => undefined), 10_000, 'the banner file');
    expect(running).toContain(`http://127.0.0.1:${fixture.httpPort}/`);
    expect(running).toMatch(/Status: +ready/);
    expect(running).toMatch(/ok +source:hooks +running/);
    expect(await appliance.stop()).toBe(0);
    const stopped = await readFile(issue, 'utf8');
    expect(stopped).toContain('NOT ANSWERING');
    expect(stopped).not.toMatch(/Status: +ready/);
  });
});
