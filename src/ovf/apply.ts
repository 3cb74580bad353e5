// `switchboard ovf apply`: read the OVF environment, check it, and bring the appliance in
// line with it — system files, the appliance's configuration and secrets, root's password,
// SSH and log forwarding — then do what the changes call for. Run at every boot by
// switchboard-ovf.service before the network and the appliance start (--no-restart), or by
// hand later. Without an environment nothing is changed at all.

import { OvfApplyError, OvfEnvironmentError } from '../errors.js';
import { applyApplianceConfig } from './apply-config.js';
import { parseOvfEnvironment } from './environment.js';
import { findOvfEnvironment, readEnvironmentFile, type FoundEnvironment, type OvfTransport, type TransportDeps } from './environment-transports.js';
import { checkOvfValues } from './check-values.js';
import { applyKey, configKey, environmentKey, problemFor, type OvfProblem } from './ovf-problem.js';
import { netlogdUnit } from './render-syslog.js';
import { sshUnit } from './render-ssh.js';
import { ensureSshHostKeys } from './ssh-host-keys.js';
import { applyRootPassword } from './root-password.js';
import type { OvfSettings } from './settings.js';
import { writeOvfStatus } from './status.js';
import type { SystemActions } from './system-actions.js';
import { hostsFile, planSystemFiles, type FollowUp } from './system-files.js';
import { TargetRoot } from './target-files.js';
import { setUnitEnabled } from './unit-enablement.js';

export interface ApplyOptions {
  /** Where the appliance's files are: `/`, or a folder standing in for it. */
  readonly root: string;
  /** Read the environment from this file instead of the transports. */
  readonly envFile?: string;
  /** false (--no-restart): at boot the services this changes have not started yet. */
  readonly restart: boolean;
  readonly system: SystemActions;
  readonly transports?: TransportDeps;
  /** For ${env:} references when the edited configuration is checked. */
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
}

export interface OvfApplyResult {
  readonly appliedAt: string;
  readonly transport: OvfTransport;
  /** Where the environment was read from. */
  readonly from: string;
  readonly problems: readonly OvfProblem[];
  /** Paths on the appliance whose content changed (and /etc/shadow for root's password). */
  readonly changed: readonly string[];
  /** Inputs of the network or the appliance changed and they were not restarted here. */
  readonly restartNeeded: { readonly network: boolean; readonly appliance: boolean };
  /** Units restarted or reloaded here. */
  readonly restarted: readonly string[];
}

export async function applyOvf(options: ApplyOptions): Promise<OvfApplyResult> {
  const target = new TargetRoot(options.root, options.system);
  const appliedAt = (options.now ?? (() => new Date()))().toISOString();
  const found: FoundEnvironment = options.envFile ? await readEnvironmentFile(options.envFile) : await findOvfEnvironment(options.transports);
  const result = { appliedAt, transport: found.transport, from: found.where, problems: [] as OvfProblem[], changed: [] as string[] };
  const report = () => writeOvfStatus(target, { appliedAt, transport: found.transport, problems: result.problems, changed: result.changed });
  if (found.document === undefined) {
    await report();
    return { ...result, restartNeeded: { network: false, appliance: false }, restarted: [] };
  }
  try {
    const { settings, problems } = checkOvfValues(parseOvfEnvironment(found.document, found.where));
    result.problems.push(...problems);
    const followUps = await applySettings(settings, target, options, result);
    const done = await runFollowUps(followUps, settings, options, result.problems);
    await report();
    return { ...result, ...done };
  } catch (err) {
    // The banner still learns why nothing (or not everything) was applied this boot.
    result.problems.push(problemFor(err instanceof OvfEnvironmentError ? environmentKey : applyKey, (err as Error).message));
    await report().catch(() => undefined);
    throw err;
  }
}

async function applySettings(settings: OvfSettings, target: TargetRoot, options: ApplyOptions, result: { problems: OvfProblem[]; changed: string[] }): Promise<Set<FollowUp>> {
  const followUps = new Set<FollowUp>();
  for (const file of planSystemFiles(settings, await target.read(hostsFile))) {
    if (!(await target.sync(file))) continue;
    result.changed.push(file.path);
    for (const f of file.followUps) followUps.add(f);
  }
  const config = await applyApplianceConfig(settings, target, options.env ?? process.env);
  result.changed.push(...config.changed);
  result.problems.push(...config.problems);
  if (config.changed.length > 0) followUps.add('restart-appliance');

  const attempt = systemAttempt(result.problems);
  result.changed.push(...((await attempt('guestinfo.root_password', () => applyRootPassword(settings.rootPassword, target, options.system))) ?? []));
  const ssh = (await attempt('guestinfo.enable_ssh', async () => [
    ...(await ensureSshHostKeys(settings.ssh, target, options.system)),
    ...(await setUnitEnabled(sshUnit, settings.ssh, target, options.system)),
  ])) ?? [];
  const syslogOn = settings.syslog === undefined ? undefined : settings.syslog !== null;
  const syslog = (await attempt('guestinfo.syslog_target', () => setUnitEnabled(netlogdUnit, syslogOn, target, options.system))) ?? [];
  result.changed.push(...ssh, ...syslog);
  // A unit started or stopped just now reads its new configuration anyway.
  if (ssh.some((path) => path.includes('.wants/'))) followUps.delete('reload-ssh');
  if (syslog.length > 0) followUps.delete('restart-syslog');
  return followUps;
}

/**
 * Runs a system command for a property: its failure (chpasswd refusing, a unit not
 * installed) is that property's problem, not the end of the run. undefined when it failed.
 */
function systemAttempt(problems: OvfProblem[]) {
  return async <T>(key: string, action: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await action();
    } catch (err) {
      if (err instanceof OvfApplyError) throw err;
      problems.push(problemFor(key, `could not be applied: ${(err as Error).message}`));
      return undefined;
    }
  };
}

const restarts: Partial<Record<FollowUp, readonly string[]>> = {
  'restart-network': ['try-restart', 'systemd-networkd.service'],
  'restart-timesync': ['try-restart', 'systemd-timesyncd.service'],
  'restart-syslog': ['try-restart', netlogdUnit],
  'reload-ssh': ['try-reload-or-restart', sshUnit],
  'restart-appliance': ['try-restart', 'switchboard.service'],
};

async function runFollowUps(followUps: Set<FollowUp>, settings: OvfSettings, options: ApplyOptions, problems: OvfProblem[]): Promise<Pick<OvfApplyResult, 'restartNeeded' | 'restarted'>> {
  const attempt = systemAttempt(problems);
  const { system } = options;
  const restarted: string[] = [];
  // Even at boot: systemd set the host name from /etc/hostname before this step ran, and
  // it loaded every unit's drop-ins when the boot began.
  const hostname = settings.hostname;
  if (followUps.has('set-hostname') && hostname) await attempt(followUpKey['set-hostname'], () => system.setHostname(hostname.host));
  if (followUps.has('reload-units')) await attempt(followUpKey['reload-units'], () => system.systemctl(['daemon-reload']));
  if (options.restart) {
    for (const [followUp, args] of Object.entries(restarts) as [FollowUp, readonly string[]][]) {
      if (!followUps.has(followUp)) continue;
      const done = await attempt(followUpKey[followUp], async () => {
        await system.systemctl(args);
        return true;
      });
      if (done) restarted.push(args[1]!);
    }
  }
  return {
    restartNeeded: {
      network: !options.restart && followUps.has('restart-network'),
      appliance: !options.restart && followUps.has('restart-appliance'),
    },
    restarted,
  };
}

/** The property a failed restart is reported under. */
const followUpKey: Record<FollowUp, string> = {
  'set-hostname': 'guestinfo.hostname',
  'restart-network': 'guestinfo.ipaddress',
  'restart-timesync': 'guestinfo.ntp',
  'reload-units': 'guestinfo.http_proxy',
  'restart-appliance': configKey,
  'restart-syslog': 'guestinfo.syslog_target',
  'reload-ssh': 'guestinfo.enable_ssh',
};
