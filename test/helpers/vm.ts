// A VM of the appliance image under qemu for the boot test: the hardware the OVA declares
// (1 vCPU, 512 MB, a VMXNET3 NIC, the disk on a paravirtual SCSI controller), an OVF
// environment on a CD-ROM (the ISO transport), and user networking with restrict=on: the
// guest reaches nothing but the ports forwarded to it and the services offered to it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface VmOptions {
  readonly dir: string;
  /** A qcow2 the VM writes to (an overlay over the built image): it survives power cycles. */
  readonly disk: string;
  readonly iso?: string;
  readonly hostForwards: readonly { readonly hostPort: number; readonly guestPort: number }[];
  /** Guest connections to 10.0.2.100:<guestPort> run `command` with the connection on stdin/stdout. */
  readonly guestForwards: readonly { readonly guestPort: number; readonly command: string }[];
  readonly accel: 'kvm' | 'tcg';
}

export interface Vm {
  readonly consoleLog: string;
  readonly startedAt: number;
  readonly exited: Promise<number | null>;
  /** The ACPI power button: the guest shuts down cleanly and qemu exits. */
  powerButton(): Promise<void>;
  kill(): void;
  console(): Promise<string>;
}

export const guestServiceAddress = '10.0.2.100';

export function bootVm(options: VmOptions, run: number): Vm {
  const consoleLog = join(options.dir, `console-${run}.log`);
  const monitor = join(options.dir, `monitor-${run}.sock`);
  const netdev = [
    'user', 'id=net0', 'restrict=on',
    ...options.hostForwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`),
    ...options.guestForwards.map((f) => `guestfwd=tcp:${guestServiceAddress}:${f.guestPort}-cmd:${f.command}`),
  ].join(',');
  const args = [
    '-accel', options.accel, ...(options.accel === 'kvm' ? ['-cpu', 'host'] : ['-cpu', 'max']),
    '-smp', '1', '-m', '512',
    '-device', 'pvscsi,id=scsi0',
    '-drive', `file=${options.disk},if=none,id=disk0,format=qcow2`,
    '-device', 'scsi-hd,drive=disk0,bus=scsi0.0',
    ...(options.iso ? ['-drive', `file=${options.iso},media=cdrom,if=ide,readonly=on`] : []),
    '-netdev', netdev, '-device', 'vmxnet3,netdev=net0',
    '-display', 'none', '-serial', `file:${consoleLog}`,
    '-monitor', `unix:${monitor},server=on,wait=off`,
  ];
  const startedAt = Date.now();
  // qemu's own messages (user networking logs every packet restrict=on drops) go to a file.
  const qemuLog = openSync(join(options.dir, `qemu-${run}.log`), 'w');
  const child: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['ignore', qemuLog, qemuLog] });
  closeSync(qemuLog);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    consoleLog, startedAt, exited,
    powerButton: () => monitorCommand(monitor, 'system_powerdown'),
    kill: () => child.kill('SIGKILL'),
    console: () => readFile(consoleLog, 'utf8').catch(() => ''),
  };
}

async function monitorCommand(socket: string, command: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const conn = connect(socket, () => conn.end(`${command}\n`));
    conn.on('error', reject);
    conn.on('close', () => resolve());
    conn.resume();
  });
}

/** KVM when /dev/kvm is there and qemu can start a CPU with it (nested setups often cannot). */
export function usableAccel(): 'kvm' | 'tcg' {
  if (process.env.SWITCHBOARD_VM_ACCEL === 'kvm' || process.env.SWITCHBOARD_VM_ACCEL === 'tcg') return process.env.SWITCHBOARD_VM_ACCEL;
  if (!existsSync('/dev/kvm')) return 'tcg';
  // A machine with no firmware run for 2 s: a KVM that cannot set the CPU up fails at once.
  const probe = spawnSync('timeout', ['3', 'qemu-system-x86_64', '-accel', 'kvm', '-cpu', 'host', '-m', '64', '-display', 'none', '-nodefaults', '-no-reboot', '-bios', '/dev/null'], { encoding: 'utf8' });
  return probe.status === 124 ? 'kvm' : 'tcg';
}

/** The OVF environment document, as vSphere writes it, with these property values. */
export function ovfEnvironment(properties: Record<string, string>): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" oe:id="">',
    '  <PlatformSection><Kind>qemu</Kind><Locale>en</Locale></PlatformSection>',
    '  <PropertySection>',
    ...Object.entries(properties).map(([key, value]) => `    <Property oe:key="${escape(key)}" oe:value="${escape(value)}"/>`),
    '  </PropertySection>',
    '</Environment>',
    '',
  ].join('\n');
}

/** An ISO 9660 image holding ovf-env.xml: the OVF ISO transport. */
export async function writeOvfIso(dir: string, xml: string): Promise<string> {
  const source = join(dir, 'ovf-iso');
  spawnSync('mkdir', ['-p', source]);
  await writeFile(join(source, 'ovf-env.xml'), xml);
  const iso = join(dir, 'ovf-env.iso');
  const made = spawnSync('genisoimage', ['-quiet', '-o', iso, '-V', 'OVF ENV', '-r', '-J', source], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`genisoimage failed: ${made.stderr}`);
  return iso;
}

/** A command in the guest over SSH as root with a password (no key, no sshpass: SSH_ASKPASS). */
export async function sshRun(dir: string, port: number, password: string, command: string, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const askpass = join(dir, 'askpass.sh');
  if (!existsSync(askpass)) await writeFile(askpass, '#!/bin/sh\nprintf "%s\\n" "$SB_VM_PASSWORD"\n', { mode: 0o700 });
  const child = spawn('ssh', [
    '-p', String(port),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no',
    '-o', 'ConnectTimeout=20', '-o', 'NumberOfPasswordPrompts=1',
    'root@127.0.0.1', command,
  ], { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', SB_VM_PASSWORD: password, DISPLAY: ':0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
