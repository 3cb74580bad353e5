// The Debian package (appliance/build-deb), built from this checkout and installed for real
// with dpkg — inside a private mount, network and PID namespace whose /etc, /usr and /var are
// overlays (test/fixtures/deb/install-scenario.sh), so the host is left as it was. Root only:
// dpkg and the overlays need it (CI runs as root); elsewhere the test says why it skipped.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const scenario = join(root, 'test', 'fixtures', 'deb', 'install-scenario.sh');
const { version } = (await import(join(root, 'package.json'), { with: { type: 'json' } })).default as { version: string };

const whyNot = process.getuid?.() !== 0 ? 'needs root (dpkg, overlay mounts)' : undefined;
if (whyNot) console.warn(`debian-package.test.ts skipped: ${whyNot}`);

describe.skipIf(whyNot !== undefined)('the Debian package', () => {
  let dir: string;
  let deb: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-deb-'));
    const built = await run('bash', [join(root, 'appliance', 'build-deb'), join(dir, 'out')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    deb = built.stdout.trim().split('\n').at(-1)!;
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is named by version and architecture, depends on Node 20, nats-server and bubblewrap, and keeps the config as a conffile', async () => {
    expect(deb).toMatch(new RegExp(`switchboard_${version.replace(/\./g, '\\.')}_amd64\\.deb$`));
    const info = (await run('dpkg-deb', ['-I', deb])).stdout;
    expect(info).toMatch(/^ Package: switchboard$/m);
    expect(info).toMatch(new RegExp(`^ Version: ${version}$`, 'm'));
    expect(info).toMatch(/^ Depends: .*nodejs \(>= 20\).*nats-server.*bubblewrap/m);
    expect((await run('dpkg-deb', ['-f', deb, 'Package'])).stdout.trim()).toBe('switchboard');
    const conffiles = (await run('sh', ['-c', `dpkg-deb --ctrl-tarfile "${deb}" | tar -xO ./conffiles`])).stdout;
    expect(conffiles.trim()).toBe('/etc/switchboard/switchboard.yaml');
  });

  it('holds the built appliance with production dependencies only, owned by root', async () => {
    const listing = (await run('dpkg-deb', ['-c', deb], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    const paths = listing.split('\n').map((l) => l.split(/\s+/).at(-1) ?? '');
    for (const expected of [
      './usr/bin/switchboard', './lib/systemd/system/switchboard.service', './etc/switchboard/switchboard.yaml',
      './opt/switchboard/dist/src/cli/main.js', './opt/switchboard/dist/processors/local/worker-main.js',
      './opt/switchboard/node_modules/@nats-io/jetstream/package.json', './opt/switchboard/node_modules/esbuild/package.json',
    ]) {
      expect(paths).toContain(expected);
    }
    expect(paths.filter((p) => /node_modules\/(vitest|typescript|execa)\//.test(p))).toEqual([]);
    expect(listing.split('\n').filter((l) => l && !l.includes('root/root'))).toEqual([]);
  });

  it('installs with dpkg, runs as its own user, takes a webhook event to a function, and purges without a trace', async () => {
    const scratch = join(dir, 'scratch');
    await run('mkdir', ['-p', scratch]);
    const { stdout } = await run('unshare', ['--mount', '--net', '--pid', '--fork', '--mount-proc', 'bash', scenario, deb, scratch], { timeout: 170_000 });
    const steps = Object.fromEntries(stdout.split('\n').filter((l) => l.startsWith('STEP ')).map((l) => {
      const [, name, ...rest] = l.split(' ');
      return [name!, rest.join(' ').trim()];
    }));
    expect(steps['installed']).toBe(`${version} install ok installed`);
    expect(steps['user']).toBe('switchboard:/var/lib/switchboard:/usr/sbin/nologin');
    expect(steps['secrets']).toBe('switchboard:switchboard 700');
    expect(steps['state']).toBe('switchboard:switchboard 750');
    expect(steps['config']).toBe('root:switchboard 640');
    expect(steps['unit']).toBe('present');
    expect(steps['validate']).toBe('ok');
    expect(steps['posted']).toBe('202');
    expect(steps['invoked']).toBe('hello pkg-1 succeeded');
    expect(steps['sandbox']).toBe('bubblewrap'); // as the unprivileged switchboard user, from user namespaces
    expect(steps['stopped']).toBe('left running as switchboard:');
    expect(steps['purged']).toBe('etc:gone state:gone user:gone command:gone');
  }, 180_000);
});
