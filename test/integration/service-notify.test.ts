// The packaged unit is Type=notify: systemd counts the appliance started when it says READY=1
// (through systemd-notify) and stopping when it says STOPPING=1. A socket plays systemd here.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, eventually, projectRoot, startAppliance, type ApplianceFixture } from '../helpers/appliance.js';

const hasNotify = ['/usr/bin/systemd-notify', '/bin/systemd-notify'].some((p) => existsSync(p));

describe.skipIf(!hasNotify)('telling systemd the appliance state (Type=notify)', () => {
  let fixture: ApplianceFixture;
  let listener: ChildProcess;
  const received: string[] = [];

  beforeAll(async () => {
    fixture = await createFixture({ yamlBody: 'sources:\n  - { name: hooks, type: webhook, path: /hooks }\nsubscriptions: []' });
    listener = spawn('python3', [join(projectRoot, 'test/fixtures/systemd/notify-listener.py'), join(fixture.dir, 'notify.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
    listener.stdout!.setEncoding('utf8').on('data', (chunk: string) => received.push(...chunk.split('\n').filter(Boolean)));
    await eventually(() => received.includes('listening'), 10_000, 'the notify socket');
  });

  afterAll(async () => {
    listener?.kill();
    await fixture?.cleanup();
  });

  it('says READY=1 with a status once serving, and STOPPING=1 on SIGTERM', async () => {
    const appliance = await startAppliance(fixture, { env: { NOTIFY_SOCKET: join(fixture.dir, 'notify.sock') } });
    const ready = await eventually(() => received.find((m) => m.includes('READY=1')), 20_000, 'READY=1');
    expect(ready).toContain('STATUS=running: 1 sources, 0 subscriptions');
    expect(received.some((m) => m.includes('STOPPING=1'))).toBe(false);
    expect(await appliance.stop()).toBe(0);
    await eventually(() => received.some((m) => m.includes('STOPPING=1')), 10_000, 'STOPPING=1');
    expect(appliance.logs.some((l) => String(l.msg).includes('systemd-notify failed'))).toBe(false);
  });

  it('does nothing without NOTIFY_SOCKET (not under systemd)', async () => {
    const before = received.length;
    const appliance = await startAppliance(fixture);
    expect(await appliance.stop()).toBe(0);
    expect(received.length).toBe(before);
    // Had it run systemd-notify anyway, that would have failed ("$NOTIFY_SOCKET was not set") and said so.
    expect(appliance.logs.some((l) => String(l.msg).includes('systemd-notify failed'))).toBe(false);
  });
});
