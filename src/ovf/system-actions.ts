// What `switchboard ovf apply` does to the running system besides writing files: passwords,
// systemd units, ownership, the kernel's host name. One small seam so tests record these
// instead of running them, and a run under --root (not the real system) only prints them.

import { spawn } from 'node:child_process';
import { chown as fsChown, readFile, writeFile } from 'node:fs/promises';

export interface SystemActions {
  /** chpasswd, the password on its standard input: never in argv, where `ps` would show it. */
  setPassword(user: string, password: string): Promise<void>;
  /** passwd --lock: no password login for `user`. */
  lockPassword(user: string): Promise<void>;
  systemctl(args: readonly string[]): Promise<void>;
  chown(path: string, user: string | number, group: string | number): Promise<void>;
  /** The running kernel's host name: systemd read /etc/hostname long before this boot step. */
  setHostname(name: string): Promise<void>;
  /** ssh-keygen -A: the host keys that are missing (the image ships none, so each VM has its own). */
  generateSshHostKeys(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 60_000;

/** The real thing, for the appliance (root `/`, run as root). */
export function createSystemActions(): SystemActions {
  return {
    setPassword: (user, password) => run('chpasswd', [], `${user}:${password}\n`),
    lockPassword: (user) => run('passwd', ['--lock', user]),
    systemctl: (args) => run('systemctl', args),
    chown: async (path, user, group) => fsChown(path, await idOf(user, '/etc/passwd'), await idOf(group, '/etc/group')),
    setHostname: (name) => writeFile('/proc/sys/kernel/hostname', name),
    generateSshHostKeys: () => run('ssh-keygen', ['-A']),
  };
}

/** For --root other than `/`: says what would run, changes nothing outside the root. */
export function createDryRunActions(print: (line: string) => void): SystemActions {
  const say = async (what: string) => print(`would run: ${what}`);
  return {
    setPassword: (user) => say(`chpasswd (${user}, the password on standard input)`),
    lockPassword: (user) => say(`passwd --lock ${user}`),
    systemctl: (args) => say(`systemctl ${args.join(' ')}`),
    chown: (path, user, group) => say(`chown ${user}:${group} ${path}`),
    setHostname: (name) => say(`hostname ${name}`),
    generateSshHostKeys: () => say('ssh-keygen -A'),
  };
}

function run(command: string, args: readonly string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'ignore', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (err) => reject(new Error(`${command} could not run: ${err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** A user or group id by name, from /etc/passwd or /etc/group (no NSS: system accounts are local). */
async function idOf(name: string | number, database: string): Promise<number> {
  if (typeof name === 'number') return name;
  const line = (await readFile(database, 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  const id = line === undefined ? undefined : Number(line.split(':')[2]);
  if (id === undefined || !Number.isInteger(id)) throw new Error(`no ${database === '/etc/group' ? 'group' : 'user'} named ${name} in ${database}`);
  return id;
}
