import { describe, expect, it } from 'vitest';
import { encodeArgs, environmentArgs } from '../../processors/local/bubblewrap.js';
import {
  commandFor, executableSandboxArgs, limitedCommand, sandboxEntry, type SandboxSpec,
} from '../../processors/local/executable/sandbox.js';
import { masksFor } from '../../processors/local/system-view.js';

const usrmerged: SandboxSpec['system'] = [
  { path: '/usr', kind: 'dir' },
  { path: '/etc', kind: 'dir' },
  { path: '/bin', kind: 'symlink', target: 'usr/bin' },
  { path: '/lib', kind: 'symlink', target: 'usr/lib' },
];

const spec: SandboxSpec = {
  system: usrmerged,
  code: { path: '/srv/functions/notify', kind: 'dir' },
  tmpDir: '/tmp/switchboard-notify-abc/tmp',
  hidden: [],
  network: true,
  dropPrivileges: false,
};

/** The value of each `--opt src dest` occurrence, as "src dest". */
function pairs(args: string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option ? [`${args[i + 1]} ${args[i + 2]}`] : []));
}

describe('executable sandbox arguments', () => {
  it('binds the system read-only, recreates usrmerge symlinks, and never binds the root', () => {
    const args = executableSandboxArgs(spec);
    expect(pairs(args, '--ro-bind')).toEqual(['/usr /usr', '/etc /etc', '/srv/functions/notify /function']);
    expect(pairs(args, '--symlink')).toEqual(['usr/bin /bin', 'usr/lib /lib']);
    expect(args.join(' ')).not.toMatch(/--(ro-)?bind \/ \//u);
    expect(args.join(' ')).toContain('--proc /proc --dev /dev');
  });

  it('gives a private writable /tmp and the function folder read-only at /function, working there', () => {
    const args = executableSandboxArgs(spec);
    expect(pairs(args, '--bind')).toEqual(['/tmp/switchboard-notify-abc/tmp /tmp']);
    expect(args.slice(-2)).toEqual(['--chdir', '/function']);
  });

  it('binds a single-file function as that file alone', () => {
    const args = executableSandboxArgs({ ...spec, code: { path: '/srv/functions/tag.sh', kind: 'file' } });
    expect(pairs(args, '--ro-bind')).toContain('/srv/functions/tag.sh /function/tag.sh');
    expect(sandboxEntry({ path: '/srv/functions/tag.sh', kind: 'file' }, '/srv/functions/tag.sh')).toBe('/function/tag.sh');
    expect(sandboxEntry(spec.code, '/srv/functions/notify/handler.py')).toBe('/function/handler.py');
  });

  it('binds the secrets copies at /run/secrets', () => {
    expect(pairs(executableSandboxArgs({ ...spec, secretsDir: '/tmp/x/secrets' }), '--ro-bind')).toContain('/tmp/x/secrets /run/secrets');
  });

  it('creates the folders above its mounts world-traversable (bwrap as root would make them 0700), before binding', () => {
    const args = executableSandboxArgs({ ...spec, code: { path: '/srv/functions/tag.sh', kind: 'file' }, secretsDir: '/tmp/x/secrets', resolvConf: '/run/systemd/resolve/stub-resolv.conf' });
    const dirs = args.flatMap((a, i) => (a === '--dir' ? [`${args[i - 2]} ${args[i - 1]} ${args[i + 1]}`] : []));
    expect(dirs).toEqual(['--perms 0755 /run', '--perms 0755 /run/systemd', '--perms 0755 /run/systemd/resolve', '--perms 0755 /function']);
    expect(args.indexOf('--dir')).toBeLessThan(args.indexOf('/tmp/x/secrets'));
  });

  it('uses fresh PID, IPC and UTS namespaces, a new session, and dies with the appliance', () => {
    const args = executableSandboxArgs(spec);
    for (const flag of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session']) expect(args).toContain(flag);
    expect(args).not.toContain('--unshare-net');
    expect(executableSandboxArgs({ ...spec, network: false })).toContain('--unshare-net');
  });

  it('keeps only the capabilities setpriv needs when it must drop to nobody', () => {
    expect(executableSandboxArgs(spec)).not.toContain('--cap-add');
    expect(pairs(executableSandboxArgs({ ...spec, dropPrivileges: true }), '--cap-add').map((p) => p.split(' ')[0])).toEqual(['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP']);
  });

  it('masks protected paths under a mounted tree: folders with a tmpfs, files with /dev/null', () => {
    const args = executableSandboxArgs({
      ...spec,
      hidden: [
        { path: '/etc/switchboard', kind: 'dir' },
        { path: '/etc/switchboard/secrets', kind: 'dir' },
        { path: '/etc/shadow', kind: 'file' },
        { path: '/var/lib/switchboard', kind: 'dir' },
        { path: '/srv/functions/notify/private', kind: 'dir' },
      ],
    });
    expect(pairs(args, '--tmpfs').map((p) => p.split(' ')[0])).toEqual(['/etc/switchboard', '/function/private']);
    expect(pairs(args, '--ro-bind')).toContain('/dev/null /etc/shadow');
    expect(args.join(' ')).not.toContain('/var/lib/switchboard');
  });

  it('does not mask a mount itself or what lies above it (config in /etc, functions folder above the function)', () => {
    const mounts = [{ host: '/etc', sandbox: '/etc' }, { host: '/srv/functions/notify', sandbox: '/function' }];
    expect(masksFor(mounts, [{ path: '/etc', kind: 'dir' }, { path: '/srv/functions', kind: 'dir' }, { path: '/etc/switchboard.yaml', kind: 'file' }]))
      .toEqual([{ path: '/etc/switchboard.yaml', kind: 'file' }]);
  });

  it('puts the environment on the --args descriptor, NUL-separated, and refuses a NUL inside a value', () => {
    expect(encodeArgs(environmentArgs({ A: 'x y', B: '1' }))).toBe('--setenv\0A\0x y\0--setenv\0B\0001\0');
    expect(() => encodeArgs(['--setenv', 'A', 'x\0--bind\0/\0/x'])).toThrow(/NUL/u);
  });
});

describe('executable command line', () => {
  const plain = { executable: false, shebang: false };
  const runnable = { executable: true, shebang: true };

  it('runs .py with python3 and .sh with /bin/sh unless executable with a shebang', () => {
    expect(commandFor('python', '/function/handler.py', plain)).toEqual(['python3', '/function/handler.py']);
    expect(commandFor('python', '/function/handler.py', { executable: true, shebang: false })).toEqual(['python3', '/function/handler.py']);
    expect(commandFor('python', '/function/handler.py', runnable)).toEqual(['/function/handler.py']);
    expect(commandFor('shell', '/function/x.sh', plain)).toEqual(['/bin/sh', '/function/x.sh']);
    expect(commandFor('shell', '/function/x.sh', runnable)).toEqual(['/function/x.sh']);
    expect(commandFor('executable', '/function/tool', { executable: true, shebang: false })).toEqual(['/function/tool']);
  });

  it('drops to nobody with no groups, capabilities or bounding set, then limits address space and core dumps', () => {
    expect(limitedCommand(['python3', 'h.py'], { memoryMb: 256 }, { prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' })).toEqual([
      '/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--',
      '/usr/bin/prlimit', `--as=${256 * 1024 * 1024}`, '--core=0', '--', 'python3', 'h.py',
    ]);
    expect(limitedCommand(['/function/tool'], { memoryMb: 64 }, { prlimit: '/usr/bin/prlimit' })[0]).toBe('/usr/bin/prlimit');
  });
});
