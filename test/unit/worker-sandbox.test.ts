import { describe, expect, it } from 'vitest';
import { workerCommand, workerSandboxArgs, type WorkerSandboxSpec } from '../../processors/local/worker-sandbox.js';

const spec: WorkerSandboxSpec = {
  system: [
    { path: '/usr', kind: 'dir' },
    { path: '/etc', kind: 'dir' },
    { path: '/bin', kind: 'symlink', target: 'usr/bin' },
  ],
  hidden: [{ path: '/etc/shadow', kind: 'file' }, { path: '/etc/switchboard', kind: 'dir' }, { path: '/srv/functions', kind: 'dir' }],
  network: true,
  dropPrivileges: true,
  readOnly: [
    { path: '/opt/sb/dist/processors/local/worker-main.js', sandbox: '/opt/sb/dist/processors/local/worker-main.js', kind: 'file' },
    { path: '/etc/switchboard/functions/notify', sandbox: '/etc/switchboard/functions/notify', kind: 'dir' },
    { path: '/tmp/switchboard-notify-x/files', sandbox: '/tmp/switchboard-notify-x/files', kind: 'dir' },
  ],
  writable: '/tmp/switchboard-notify-x/tmp',
  cwd: '/etc/switchboard/functions/notify',
};

const pairs = (args: string[], option: string) => args.flatMap((a, i) => (a === option ? [args[i + 1]!] : []));

describe('JavaScript worker sandbox', () => {
  it('is built from nothing: the system trees, fresh /proc and /dev, its own paths, never the host root', () => {
    const args = workerSandboxArgs(spec);
    expect(args.join(' ')).not.toContain('--ro-bind / /');
    expect(pairs(args, '--ro-bind')).toEqual(['/usr', '/etc', '/dev/null', '/tmp/switchboard-notify-x/files', '/etc/switchboard/functions/notify', '/opt/sb/dist/processors/local/worker-main.js']);
    expect(pairs(args, '--bind')).toEqual(['/tmp/switchboard-notify-x/tmp']);
    expect(args).toEqual(expect.arrayContaining(['--proc', '/proc', '--dev', '/dev', '--symlink', 'usr/bin', '/bin']));
    expect(args.slice(-2)).toEqual(['--chdir', '/etc/switchboard/functions/notify']);
  });

  it('masks protected paths under the system trees before binding a function kept under one', () => {
    const args = workerSandboxArgs(spec);
    const mask = args.indexOf('/etc/switchboard');
    expect(args[mask - 1]).toBe('--tmpfs');
    expect(args.indexOf('/etc/switchboard/functions/notify')).toBeGreaterThan(mask);
    expect(args[args.indexOf('/etc/shadow') - 2]).toBe('--ro-bind'); // /dev/null over it
  });

  it('creates the folders above its paths world-traversable, but not inside the system trees', () => {
    const made = workerSandboxArgs(spec).flatMap((a, i, all) => (a === '--dir' ? [`${all[i - 2]} ${all[i - 1]} ${all[i + 1]}`] : []));
    expect(made).toEqual([
      '/tmp', '/tmp/switchboard-notify-x', '/etc/switchboard/functions', // under the mask: it does not exist there
      '/opt', '/opt/sb', '/opt/sb/dist', '/opt/sb/dist/processors', '/opt/sb/dist/processors/local',
    ].map((dir) => `--perms 0755 ${dir}`));
  });

  it('takes the network away only for network: false, and keeps only what setpriv needs as root', () => {
    expect(workerSandboxArgs(spec)).not.toContain('--unshare-net');
    expect(workerSandboxArgs({ ...spec, network: false })).toContain('--unshare-net');
    expect(pairs(workerSandboxArgs(spec), '--cap-add')).toEqual(['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP']);
    expect(workerSandboxArgs({ ...spec, dropPrivileges: false })).not.toContain('--cap-add');
    expect(workerSandboxArgs(spec)).toEqual(expect.arrayContaining(['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session']));
  });

  it('runs node as nobody through setpriv when asked', () => {
    expect(workerCommand('/usr/bin/node', ['--experimental-permission'], '/w.js', '/usr/bin/setpriv')).toEqual([
      '/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--',
      '/usr/bin/node', '--experimental-permission', '/w.js',
    ]);
    expect(workerCommand('/usr/bin/node', [], '/w.js', undefined)).toEqual(['/usr/bin/node', '/w.js']);
  });
});
