// Where the OVF environment document comes from (DSP0243 section 11.1, transports): vSphere
// hands it over by VMware Tools (the guestinfo.ovfEnv variable) or, with the "ISO image"
// transport, as ovf-env.xml on a CD-ROM it attaches. Tried in that order; neither is an
// error — a VM not deployed from the OVA (or with vApp options off) simply has none.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvfEnvironmentError } from '../errors.js';

export type OvfTransport = 'vmware-tools' | 'iso' | 'file' | 'none';

export interface FoundEnvironment {
  readonly transport: OvfTransport;
  /** The document; absent when the transport is `none`. */
  readonly document?: string;
  /** Where it was read, for messages: `vmtoolsd`, `/dev/sr0:ovf-env.xml`, a file name. */
  readonly where: string;
}

export interface CommandResult {
  /** null when the command could not be started (not installed) or was killed by the timeout. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export type RunCommand = (command: string, args: readonly string[], options: { timeoutMs: number }) => Promise<CommandResult>;

export interface TransportDeps {
  readonly run: RunCommand;
  /** CD-ROM block devices (/dev/sr0…), once the kernel has shown them. */
  readonly cdromDevices: () => Promise<string[]>;
  /** What was tried and why it found nothing: goes to the journal. */
  readonly note: (line: string) => void;
}

/** How long vmtoolsd may take: outside VMware it fails at once, inside it answers in milliseconds. */
export const VMTOOLSD_TIMEOUT_MS = 10_000;
export const MOUNT_TIMEOUT_MS = 15_000;
/** How long to wait for /dev/sr* when the kernel already knows a CD-ROM drive (udev loads sr_mod). */
export const CDROM_WAIT_MS = 5_000;

// cloud-init's OVF datasource looks for these: an ISO without Joliet or Rock Ridge names it
// OVF_ENV.XML, which the kernel's iso9660 shows in lower case.
const isoFileNames = ['ovf-env.xml', 'ovf_env.xml', 'OVF-ENV.XML', 'OVF_ENV.XML'];

export async function readEnvironmentFile(file: string): Promise<FoundEnvironment> {
  try {
    return { transport: 'file', document: await readFile(file, 'utf8'), where: file };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new OvfEnvironmentError(`cannot read the OVF environment file ${file} (${reason}): check the path given to --env-file`, { cause: err });
  }
}

export async function findOvfEnvironment(deps: TransportDeps = defaultTransportDeps()): Promise<FoundEnvironment> {
  const fromTools = await readFromVmwareTools(deps);
  if (fromTools) return fromTools;
  const fromIso = await readFromCdrom(deps);
  if (fromIso) return fromIso;
  return { transport: 'none', where: 'no transport' };
}

async function readFromVmwareTools(deps: TransportDeps): Promise<FoundEnvironment | undefined> {
  const result = await deps.run('vmtoolsd', ['--cmd', 'info-get guestinfo.ovfEnv'], { timeoutMs: VMTOOLSD_TIMEOUT_MS });
  if (result.code === 0 && result.stdout.trim() !== '') return { transport: 'vmware-tools', document: result.stdout, where: 'vmtoolsd (guestinfo.ovfEnv)' };
  const why = result.code === null ? 'not installed or timed out' : `exit ${result.code}${firstLine(result.stderr || result.stdout)}`;
  deps.note(`no OVF environment from VMware Tools (${why})`);
  return undefined;
}

async function readFromCdrom(deps: TransportDeps): Promise<FoundEnvironment | undefined> {
  const devices = await deps.cdromDevices();
  if (devices.length === 0) deps.note('no CD-ROM drive with an OVF environment (no /dev/sr* device)');
  for (const device of devices) {
    const mountPoint = await mkdtemp(join(tmpdir(), 'switchboard-ovf-'));
    try {
      const mounted = await deps.run('mount', ['-t', 'iso9660', '-o', 'ro,nosuid,nodev,noexec', device, mountPoint], { timeoutMs: MOUNT_TIMEOUT_MS });
      if (mounted.code !== 0) {
        // No medium, or not an ISO 9660 one: the usual case for an empty drive.
        deps.note(`${device}: not mounted (${mounted.code === null ? 'timed out' : `exit ${mounted.code}`}${firstLine(mounted.stderr)})`);
        continue;
      }
      try {
        const found = await readFirst(mountPoint, isoFileNames);
        if (found) return { transport: 'iso', document: found.text, where: `${device}:${found.name}` };
        deps.note(`${device}: no ovf-env.xml on the disc`);
      } finally {
        const unmounted = await deps.run('umount', [mountPoint], { timeoutMs: MOUNT_TIMEOUT_MS });
        if (unmounted.code !== 0) deps.note(`${device}: could not unmount ${mountPoint}${firstLine(unmounted.stderr)}`);
      }
    } finally {
      await rmdir(mountPoint).catch(() => undefined);
    }
  }
  return undefined;
}

async function readFirst(dir: string, names: readonly string[]): Promise<{ name: string; text: string } | undefined> {
  for (const name of names) {
    try {
      return { name, text: await readFile(join(dir, name), 'utf8') };
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]?.trim();
  return line ? `: ${line}` : '';
}

export function defaultTransportDeps(note: (line: string) => void = () => undefined): TransportDeps {
  return { run: runCommand, cdromDevices: () => listCdromDevices(), note };
}

export const runCommand: RunCommand = (command, args, { timeoutMs }) =>
  new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const code = typeof err.code === 'number' && !err.killed ? err.code : null;
      resolve({ code, stdout: stdout ?? '', stderr: stderr || err.message });
    });
  });

/**
 * /dev/sr* block devices. At early boot the drive may be known to the kernel (a SCSI device
 * of type 5) before udev has loaded sr_mod and /dev/sr0 exists: then wait a little for it.
 */
export async function listCdromDevices(options: { devDir?: string; sysDir?: string; waitMs?: number } = {}): Promise<string[]> {
  const devDir = options.devDir ?? '/dev';
  const deadline = Date.now() + (options.waitMs ?? CDROM_WAIT_MS);
  for (;;) {
    const devices = await blockDevices(devDir, /^sr[0-9]+$/);
    if (devices.length > 0 || !(await kernelHasCdrom(options.sysDir ?? '/sys')) || Date.now() >= deadline) return devices;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function blockDevices(dir: string, name: RegExp): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => name.test(n)).sort();
  const found: string[] = [];
  for (const n of names) {
    const info = await stat(join(dir, n)).catch(() => undefined);
    if (info?.isBlockDevice()) found.push(join(dir, n));
  }
  return found;
}

async function kernelHasCdrom(sysDir: string): Promise<boolean> {
  const devices = join(sysDir, 'bus/scsi/devices');
  for (const device of await readdir(devices).catch(() => [] as string[])) {
    const type = await readFile(join(devices, device, 'type'), 'utf8').catch(() => '');
    if (type.trim() === '5') return true;
  }
  return false;
}
