import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load.js';
import { applyOvf, type ApplyOptions } from '../../../src/ovf/apply.js';
import type { SystemActions } from '../../../src/ovf/system-actions.js';

const fixture = new URL('../../fixtures/ovf/vsphere-static.xml', import.meta.url).pathname;
const packaged = await readFile(new URL('../../../appliance/deb/switchboard.yaml', import.meta.url), 'utf8');
const operatorsConfig = packaged.replace(
  'subscriptions: []',
  '  # ops: our CI posts here (ticket OPS-1234)\n  - name: ci\n    type: webhook\n    path: /webhooks/ci\nsubscriptions: []',
);
const ns = 'http://schemas.dmtf.org/ovf/environment/1';

/** Secrets of the fixture: none may leave its own file. */
const secrets = { root: 'R00t&<secret>', vcenter: 'Vc-p@ss "word"', webhook: 'hook-s3cret', operatorToken: '0p-T0ken.s3cret-for-ops' };
const operatorTokenRef = '${file:/etc/switchboard/secrets/ovf-operator-token}';

function environment(values: Record<string, string>): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const properties = Object.entries(values).map(([k, v]) => `    <Property oe:key="${k}" oe:value="${escape(v)}"/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Environment xmlns="${ns}" xmlns:oe="${ns}" xmlns:ve="http://www.vmware.com/schema/ovfenv">\n  <PropertySection>\n${properties}\n  </PropertySection>\n</Environment>\n`;
}

/** Records what would run, and does to the root what the real command would, so a second run sees it. */
function recordingSystem(root: string) {
  const commands: string[] = [];
  const passwords: string[] = [];
  const failing = new Set<string>();
  const shadow = join(root, 'etc/shadow');
  const rel = (path: string) => path.slice(root.length) || '/';
  const system: SystemActions = {
    async setPassword(user, password) {
      commands.push(`chpasswd ${user}`);
      passwords.push(password);
      await writeFile(shadow, `${user}:$y$j9T$fakehash:20000:0:99999:7:::\n`);
    },
    async lockPassword(user) {
      commands.push(`passwd --lock ${user}`);
      const [name, hash, ...rest] = (await readFile(shadow, 'utf8')).trim().split(':');
      await writeFile(shadow, `${[name, `!${hash}`, ...rest].join(':')}\n`);
    },
    async systemctl(args) {
      const command = `systemctl ${args.join(' ')}`;
      commands.push(command);
      if (failing.has(command)) throw new Error('Unit file ssh.service does not exist.');
      const unit = args[args.length - 1]!;
      const link = join(root, 'etc/systemd/system/multi-user.target.wants', unit);
      if (args[0] === 'enable') {
        await mkdir(join(link, '..'), { recursive: true });
        await symlink(`/usr/lib/systemd/system/${unit}`, link);
      }
      if (args[0] === 'disable') await unlink(link);
    },
    async chown(path, user, group) {
      // Files are written to a temporary name beside them first: name the file it becomes.
      commands.push(`chown ${user}:${group} ${rel(path).replace(/\/\.([^/]+)\.ovf-[0-9a-f]+$/, '/$1 (temporary)')}`);
    },
    async setHostname(name) {
      commands.push(`hostname ${name}`);
    },
    async generateSshHostKeys() {
      commands.push('ssh-keygen -A');
      await mkdir(join(root, 'etc/ssh'), { recursive: true });
      await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key'), 'a private key');
    },
  };
  return { system, commands, passwords, failing };
}

let root: string;
let recorded: ReturnType<typeof recordingSystem>;

async function setUpRoot(config = operatorsConfig): Promise<void> {
  await mkdir(join(root, 'etc/switchboard/secrets'), { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'etc/switchboard/switchboard.yaml'), config, { mode: 0o640 });
  await writeFile(join(root, 'etc/hostname'), 'switchboard\n');
  await writeFile(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tswitchboard\n\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  // As the image ships it: root locked.
  await writeFile(join(root, 'etc/shadow'), 'root:*:20000:0:99999:7:::\n', { mode: 0o640 });
}

async function apply(from: string | Record<string, string>, extra: Partial<ApplyOptions> = {}) {
  let envFile = from as string;
  if (typeof from !== 'string') {
    envFile = join(root, '..', `${root.split('/').pop()}-ovf-env.xml`);
    await writeFile(envFile, environment(from));
  }
  recorded.commands.length = 0;
  return applyOvf({ root, envFile, restart: false, system: recorded.system, env: {}, now: () => new Date('2025-03-01T08:00:00Z'), ...extra });
}

const read = (path: string) => readFile(join(root, path), 'utf8');
const exists = (path: string) => lstat(join(root, path)).then(() => true, () => false);
const modeOf = async (path: string) => (await stat(join(root, path))).mode & 0o777;

/** Every file under the root with its text, for "where does this secret appear". */
async function allFiles(dir = root): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [p, t] of await allFiles(path)) files.set(p, t);
    else if (entry.isFile()) files.set(path.slice(root.length), await readFile(path, 'utf8'));
  }
  return files;
}

beforeEach(async () => {
  const base = await mkdtemp(join(tmpdir(), 'ovf-apply-'));
  root = join(base, 'root');
  await mkdir(root);
  recorded = recordingSystem(root);
  await setUpRoot();
});

afterEach(async () => {
  await rm(join(root, '..'), { recursive: true, force: true });
});

describe('switchboard ovf apply, into a temporary root', () => {
  it('applies a static network and every other property of a vSphere environment', async () => {
    const result = await apply(fixture);
    expect(result.problems).toEqual([]);
    expect(result.transport).toBe('file');

    expect(await read('etc/hostname')).toBe('sb01\n');
    expect(await read('etc/hosts')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tsb01.corp.example.com sb01\n\n::1\tlocalhost ip6-localhost ip6-loopback\n');
    const network = await read('etc/systemd/network/10-switchboard-ovf.network');
    expect(network).toContain('[Match]\nName=eth0\n\n[Network]\nAddress=192.168.10.20/24\nGateway=192.168.10.1\nDNS=192.168.10.53 192.168.20.53\nDomains=corp.example.com\n');
    expect(await read('etc/systemd/timesyncd.conf.d/switchboard-ovf.conf')).toContain('NTP=ntp1.corp.example.com ntp2.corp.example.com\n');
    expect(await read('etc/switchboard/proxy.env')).toContain('NO_PROXY=localhost,127.0.0.1,::1,.corp.example.com,10.0.0.0/8\n');
    expect(await modeOf('etc/switchboard/proxy.env')).toBe(0o600);
    expect(await read('etc/systemd/system/switchboard.service.d/ovf-proxy.conf')).toContain('EnvironmentFile=-/etc/switchboard/proxy.env\n');
    expect(await read('etc/apt/apt.conf.d/80switchboard-proxy')).toContain('Acquire::http::Proxy "http://proxy.corp.example.com:3128";');
    expect(await read('etc/systemd/netlogd.conf.d/switchboard-ovf.conf')).toContain('Address=syslog.corp.example.com:1514\nProtocol=tcp\n');
    expect(await read('etc/ssh/sshd_config.d/switchboard-ovf.conf')).toContain('PermitRootLogin yes\n');

    // The appliance's configuration: the OVF's parts, and valid for the appliance's own loader.
    const config = parse(await read('etc/switchboard/switchboard.yaml'));
    expect(config.sources.find((s: { name: string }) => s.name === 'vcenter')).toEqual({
      name: 'vcenter', type: 'vcenter', url: 'https://vcsa.corp.example.com', username: 'svc-switchboard@vsphere.local',
      password: '${file:/etc/switchboard/secrets/ovf-vcenter-password}', insecureTLS: true,
    });
    expect(config.sources[0].auth).toEqual({ type: 'basic', username: 'sender', password: '${file:/etc/switchboard/secrets/ovf-webhook-password}' });
    expect(config.http.operatorToken).toBe(operatorTokenRef);
    const loaded = await readConfig(join(root, 'etc/switchboard/switchboard.yaml'), { env: {}, readReference: (p) => readFileSyncUnder(p) });
    expect(loaded.problems).toEqual([]);
    expect(loaded.config?.sources.find((s) => s.name === 'vcenter')).toMatchObject({ password: secrets.vcenter });
    expect(loaded.config?.http.operatorToken).toBe(secrets.operatorToken);
    expect(await modeOf('etc/switchboard/switchboard.yaml')).toBe(0o640);

    // Secrets: the appliance's user owns them, nobody else reads them.
    expect(await read('etc/switchboard/secrets/ovf-vcenter-password')).toBe(secrets.vcenter);
    expect(await read('etc/switchboard/secrets/ovf-webhook-password')).toBe(secrets.webhook);
    expect(await modeOf('etc/switchboard/secrets/ovf-vcenter-password')).toBe(0o600);
    expect(await modeOf('etc/switchboard/secrets/ovf-webhook-password')).toBe(0o600);
    expect(await read('etc/switchboard/secrets/ovf-operator-token')).toBe(secrets.operatorToken);
    expect(await modeOf('etc/switchboard/secrets/ovf-operator-token')).toBe(0o600);

    expect(recorded.passwords).toEqual([secrets.root]);
    expect(recorded.commands).toEqual([
      'chown switchboard:switchboard /etc/switchboard/secrets/ovf-vcenter-password (temporary)',
      'chown switchboard:switchboard /etc/switchboard/secrets/ovf-webhook-password (temporary)',
      'chown switchboard:switchboard /etc/switchboard/secrets/ovf-operator-token (temporary)',
      // The configuration keeps its owner.
      `chown ${process.getuid!()}:${process.getgid!()} /etc/switchboard/switchboard.yaml (temporary)`,
      'chpasswd root',
      // The image has no host keys (each VM makes its own), and sshd will not start without.
      'ssh-keygen -A',
      'systemctl enable --now --no-block ssh.service',
      'systemctl enable --now --no-block systemd-netlogd.service',
      'hostname sb01',
      'systemctl daemon-reload',
    ]);
    // At boot (--no-restart) nothing is restarted: they start after this step.
    expect(result.restarted).toEqual([]);
    expect(result.restartNeeded).toEqual({ network: true, appliance: true });
    expect(result.changed).toEqual(expect.arrayContaining(['/etc/hostname', '/etc/shadow', '/etc/switchboard/switchboard.yaml', '/etc/systemd/system/multi-user.target.wants/ssh.service']));

    const status = JSON.parse(await read('run/switchboard/ovf-status.json'));
    expect(status).toEqual({ appliedAt: '2025-03-01T08:00:00.000Z', transport: 'file', problems: [], changed: result.changed });
  });

  it('keeps every secret inside its own file: not in the result, the status, the configuration or any other file', async () => {
    const result = await apply(fixture);
    const everywhere = await allFiles();
    const holders = (secret: string) => [...everywhere].filter(([, text]) => text.includes(secret)).map(([path]) => path);
    expect(holders(secrets.vcenter)).toEqual(['/etc/switchboard/secrets/ovf-vcenter-password']);
    expect(holders(secrets.webhook)).toEqual(['/etc/switchboard/secrets/ovf-webhook-password']);
    expect(holders(secrets.operatorToken)).toEqual(['/etc/switchboard/secrets/ovf-operator-token']);
    expect(holders(secrets.root)).toEqual([]);
    const said = JSON.stringify(result) + recorded.commands.join('\n');
    for (const secret of Object.values(secrets)) expect(said).not.toContain(secret);
  });

  it('changes nothing and runs nothing the second time', async () => {
    await apply(fixture);
    const before = await allFiles();
    const again = await apply(fixture);
    expect(again.changed).toEqual([]);
    expect(again.problems).toEqual([]);
    expect(recorded.commands).toEqual([]);
    expect(again.restartNeeded).toEqual({ network: false, appliance: false });
    const after = await allFiles();
    after.delete('/run/switchboard/ovf-status.json');
    before.delete('/run/switchboard/ovf-status.json');
    expect(after).toEqual(before);
  });

  it('gives eth0 DHCP with the DNS servers and domains given when the IP address is blank', async () => {
    const result = await apply({ 'guestinfo.ipaddress': '', 'guestinfo.dns': '10.1.1.53', 'guestinfo.domain': 'lab.example.com', 'guestinfo.gateway': '10.1.1.1' });
    expect(result.problems).toEqual([]);
    const network = await read('etc/systemd/network/10-switchboard-ovf.network');
    expect(network).toContain('[Network]\nDHCP=ipv4\nDNS=10.1.1.53\nDomains=lab.example.com\n');
    expect(network).not.toMatch(/Address=|Gateway=/);
    expect(await read('etc/hosts')).toContain('127.0.1.1\tswitchboard.lab.example.com switchboard\n');
  });

  it("removes the vcenter source and its secret when the URL goes blank, keeping the operator's comment and source", async () => {
    await apply(fixture);
    const blanked = (await readFile(fixture, 'utf8')).replace('oe:value="https://vcsa.corp.example.com"', 'oe:value=""');
    const file = join(root, '..', 'blanked.xml');
    await writeFile(file, blanked);
    const result = await apply(file);
    expect(result.problems).toEqual([]);
    const text = await read('etc/switchboard/switchboard.yaml');
    expect(parse(text).sources.map((s: { name: string }) => s.name)).toEqual(['webhook', 'ci']);
    expect(text).toContain('# ops: our CI posts here (ticket OPS-1234)');
    expect(await exists('etc/switchboard/secrets/ovf-vcenter-password')).toBe(false);
    expect(await exists('etc/switchboard/secrets/ovf-webhook-password')).toBe(true);
    expect(result.changed).toEqual(['/etc/switchboard/switchboard.yaml', '/etc/switchboard/secrets/ovf-vcenter-password']);
    expect(result.restartNeeded).toEqual({ network: false, appliance: true });
  });

  it('an operator token shorter than 16 characters is reported by label and key, and changes nothing', async () => {
    await apply(fixture);
    const before = await allFiles();
    const short = (await readFile(fixture, 'utf8')).replace(`oe:value="${secrets.operatorToken}"`, 'oe:value="short-token"');
    const file = join(root, '..', 'short.xml');
    await writeFile(file, short);
    const result = await apply(file);
    expect(result.problems).toEqual([
      { key: 'guestinfo.operator_token', label: 'Operator token', message: expect.stringMatching(/at least 16 characters.*; the operator token stays as it is$/) },
    ]);
    expect(result.changed).toEqual([]);
    const after = await allFiles();
    for (const files of [before, after]) files.delete('/run/switchboard/ovf-status.json');
    expect(after).toEqual(before);
    expect(JSON.stringify(result) + (await read('run/switchboard/ovf-status.json'))).not.toContain('short-token');
  });

  it('removes http.operatorToken and its secret when the token goes blank, and changes nothing the second time', async () => {
    await apply(fixture);
    const blanked = (await readFile(fixture, 'utf8')).replace(`oe:value="${secrets.operatorToken}"`, 'oe:value=""');
    const file = join(root, '..', 'blanked.xml');
    await writeFile(file, blanked);
    const result = await apply(file);
    expect(result.problems).toEqual([]);
    expect(result.changed).toEqual(['/etc/switchboard/switchboard.yaml', '/etc/switchboard/secrets/ovf-operator-token']);
    const text = await read('etc/switchboard/switchboard.yaml');
    expect(parse(text).http).toEqual({ listen: '0.0.0.0:8080' });
    expect(text).not.toContain('guestinfo.operator_token');
    expect(text).toContain('# ops: our CI posts here (ticket OPS-1234)');
    expect(await exists('etc/switchboard/secrets/ovf-operator-token')).toBe(false);
    expect((await apply(file)).changed).toEqual([]);
  });

  it("a blank operator token leaves the operator's own token and its file alone", async () => {
    const own = operatorsConfig.replace('http:\n', 'http:\n  operatorToken: ${file:/etc/switchboard/secrets/operator-token}\n');
    await writeFile(join(root, 'etc/switchboard/switchboard.yaml'), own, { mode: 0o640 });
    await writeFile(join(root, 'etc/switchboard/secrets/operator-token'), 'the-operators-own-token\n', { mode: 0o600 });
    const result = await apply({ 'guestinfo.operator_token': '' });
    expect(result.problems).toEqual([]);
    expect(await read('etc/switchboard/switchboard.yaml')).toBe(own);
    expect(await read('etc/switchboard/secrets/operator-token')).toBe('the-operators-own-token\n');
    expect(result.changed).not.toContain('/etc/switchboard/switchboard.yaml');
  });

  it('leaves a configuration that does not parse untouched, says so, and applies everything else', async () => {
    const broken = `${operatorsConfig}sources: [oops\n`;
    await writeFile(join(root, 'etc/switchboard/switchboard.yaml'), broken);
    const result = await apply(fixture);
    expect(await read('etc/switchboard/switchboard.yaml')).toBe(broken);
    expect(result.problems).toEqual([
      { key: 'appliance-config', label: 'Appliance configuration', message: expect.stringMatching(/^\/etc\/switchboard\/switchboard\.yaml was left untouched because it is not valid YAML/) },
    ]);
    expect(await read('etc/hostname')).toBe('sb01\n');
    expect(await exists('etc/switchboard/secrets/ovf-vcenter-password')).toBe(false);
  });

  it("does not write an edit the appliance's loader would refuse, and keeps the old file", async () => {
    // A source the operator named vcenter but made a webhook: the OVF would turn it into a
    // vcenter source that still has a webhook's path.
    const clash = operatorsConfig.replace('subscriptions: []', '  - name: vcenter\n    type: webhook\n    path: /webhooks/vc\nsubscriptions: []');
    await writeFile(join(root, 'etc/switchboard/switchboard.yaml'), clash);
    const result = await apply(fixture);
    expect(await read('etc/switchboard/switchboard.yaml')).toBe(clash);
    expect(result.problems.map((p) => p.key)).toEqual(['appliance-config']);
    expect(result.problems[0]!.message).toMatch(/left as it was: with the OVF properties applied it would not be valid \(sources\[2\]\.path: unknown key "path"/);
    expect((await readdir(join(root, 'etc/switchboard'))).filter((n) => n.includes('.ovf-'))).toEqual([]);
  });

  it('with no OVF environment changes nothing at all, and the status says so', async () => {
    const before = await allFiles();
    const none = { run: async () => ({ code: 1, stdout: '', stderr: 'not in a VMware VM' }), cdromDevices: async () => [], note: () => undefined };
    const result = await applyOvf({ root, restart: false, system: recorded.system, transports: none, now: () => new Date('2025-03-01T08:00:00Z') });
    expect(result).toMatchObject({ transport: 'none', changed: [], problems: [] });
    expect(recorded.commands).toEqual([]);
    const after = await allFiles();
    expect(JSON.parse(after.get('/run/switchboard/ovf-status.json')!)).toEqual({ appliedAt: '2025-03-01T08:00:00.000Z', transport: 'none', problems: [], changed: [] });
    after.delete('/run/switchboard/ovf-status.json');
    expect(after).toEqual(before);
  });

  it('stops at a malformed environment before changing anything, and the status says why', async () => {
    const file = join(root, '..', 'bad.xml');
    await writeFile(file, `<Environment xmlns="${ns}"><PropertySection>`);
    await expect(apply(file)).rejects.toMatchObject({ code: 'SB_OVF_ENVIRONMENT_INVALID' });
    expect(await read('etc/hostname')).toBe('switchboard\n');
    const status = JSON.parse(await read('run/switchboard/ovf-status.json'));
    expect(status.problems[0]).toMatchObject({ key: 'ovf-environment', message: expect.stringMatching(/not well-formed XML/) });
  });

  it('run by hand, restarts the network when its settings changed, and only what changed', async () => {
    await apply(fixture);
    const moved = (await readFile(fixture, 'utf8')).replace('192.168.10.20', '192.168.10.21');
    const file = join(root, '..', 'moved.xml');
    await writeFile(file, moved);
    const result = await apply(file, { restart: true });
    expect(result.changed).toEqual(['/etc/systemd/network/10-switchboard-ovf.network']);
    expect(recorded.commands).toEqual(['systemctl try-restart systemd-networkd.service']);
    expect(result.restarted).toEqual(['systemd-networkd.service']);
    expect(result.restartNeeded).toEqual({ network: false, appliance: false });
  });

  it('locks root, turns SSH off and drops root login when the password goes blank', async () => {
    await apply(fixture);
    const result = await apply({ 'guestinfo.root_password': '', 'guestinfo.enable_ssh': 'False' });
    expect(recorded.commands).toContain('passwd --lock root');
    expect(recorded.commands).toContain('systemctl disable --now --no-block ssh.service');
    expect(await read('etc/shadow')).toMatch(/^root:!/);
    expect(await exists('etc/ssh/sshd_config.d/switchboard-ovf.conf')).toBe(false);
    expect(await exists('var/lib/switchboard-ovf/root-password')).toBe(false);
    // Everything the fixture set and this environment leaves blank goes too.
    expect(await exists('etc/switchboard/proxy.env')).toBe(false);
    expect(await exists('etc/systemd/system/switchboard.service.d/ovf-proxy.conf')).toBe(false);
    expect(await exists('etc/systemd/netlogd.conf.d/switchboard-ovf.conf')).toBe(false);
    expect(recorded.commands).toContain('systemctl disable --now --no-block systemd-netlogd.service');
    expect(result.problems).toEqual([]);
  });

  it('a system command that fails is a problem of its property; the rest is still applied', async () => {
    recorded.failing.add('systemctl enable --now --no-block ssh.service');
    const result = await apply(fixture);
    expect(result.problems).toEqual([
      { key: 'guestinfo.enable_ssh', label: 'Enable SSH', message: 'could not be applied: Unit file ssh.service does not exist.' },
    ]);
    expect(await read('etc/hostname')).toBe('sb01\n');
    expect(recorded.commands).toContain('systemctl enable --now --no-block systemd-netlogd.service');
  });

  it('a bad value is reported and its part left as it was, while everything valid is applied', async () => {
    await apply(fixture);
    const network = await read('etc/systemd/network/10-switchboard-ovf.network');
    const result = await apply({ 'guestinfo.ipaddress': '192.168.10.999', 'guestinfo.hostname': 'sb02' });
    expect(result.problems.map((p) => p.key)).toEqual(['guestinfo.ipaddress']);
    expect(await read('etc/systemd/network/10-switchboard-ovf.network')).toBe(network);
    expect(await read('etc/hostname')).toBe('sb02\n');
  });

  it('cannot write a file: an error naming it, with what to do', async () => {
    await mkdir(join(root, 'etc/systemd'), { recursive: true });
    await writeFile(join(root, 'etc/systemd/network'), 'a file where the folder should be');
    const error = await apply(fixture).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'SB_OVF_APPLY_FAILED', message: expect.stringContaining(`${root}/etc/systemd/network/10-switchboard-ovf.network`) });
    // What was done before it stays done, and the banner learns why the rest was not.
    expect(await read('etc/hostname')).toBe('sb01\n');
    const status = JSON.parse(await read('run/switchboard/ovf-status.json'));
    expect(status.problems).toEqual([{ key: 'ovf-apply', label: 'Applying the OVF properties', message: expect.stringMatching(/^cannot write .*\((EEXIST|ENOTDIR)\): a file stands where a folder on its path should be/) }]);
    expect(status.changed).toEqual(['/etc/hostname', '/etc/hosts']);
  });
});

/** ${file:} references are absolute paths of the appliance: read them inside the root. */
function readFileSyncUnder(path: string): string {
  return readFileSync(path.startsWith(root) ? path : join(root, path), 'utf8');
}
