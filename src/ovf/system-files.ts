// Every system file the OVF properties decide, with its mode and what must follow a change
// to it. A part whose settings are undefined (a bad value) plans no file, so it is left as
// it is. Pure: the renderers put together.

import { aptProxyFile, proxyDropInFile, proxyEnvFile, proxyHasCredentials, renderAptProxy, renderProxyDropIn, renderProxyEnv } from './render-proxy.js';
import { renderHostname, renderHosts } from './render-hostname.js';
import { networkFile, renderNetwork } from './render-network.js';
import { netlogdFile, renderNetlogd } from './render-syslog.js';
import { renderSshd, sshdFile } from './render-ssh.js';
import { renderTimesync, timesyncFile } from './render-timesync.js';
import type { OvfSettings } from './settings.js';
import type { TargetFile } from './target-files.js';

/** What a changed file calls for once everything is written. */
export type FollowUp =
  | 'set-hostname' // the kernel's host name
  | 'restart-network' // systemd-networkd
  | 'restart-timesync'
  | 'reload-units' // a unit drop-in: systemd must read it again
  | 'restart-appliance' // switchboard.service
  | 'restart-syslog' // systemd-netlogd
  | 'reload-ssh';

export interface PlannedFile extends TargetFile {
  readonly followUps: readonly FollowUp[];
}

export const hostnameFile = '/etc/hostname';
export const hostsFile = '/etc/hosts';

export function planSystemFiles(settings: OvfSettings, currentHosts: string | undefined): PlannedFile[] {
  const plan: PlannedFile[] = [];
  const add = (path: string, content: string | null, followUps: FollowUp[], mode = 0o644) => plan.push({ path, content, mode, followUps });
  if (settings.hostname) {
    add(hostnameFile, renderHostname(settings.hostname), ['set-hostname']);
    add(hostsFile, renderHosts(currentHosts, settings.hostname), []);
  }
  if (settings.network) add(networkFile, renderNetwork(settings.network), ['restart-network']);
  if (settings.ntp) add(timesyncFile, renderTimesync(settings.ntp), ['restart-timesync']);
  if (settings.proxy !== undefined) {
    // The proxy's password, if any, is in all three: the environment file is root's alone.
    add(proxyEnvFile, renderProxyEnv(settings.proxy), ['restart-appliance'], 0o600);
    add(proxyDropInFile, renderProxyDropIn(settings.proxy), ['reload-units', 'restart-appliance']);
    add(aptProxyFile, renderAptProxy(settings.proxy), [], proxyHasCredentials(settings.proxy) ? 0o600 : 0o644);
  }
  if (settings.syslog !== undefined) add(netlogdFile, renderNetlogd(settings.syslog), ['restart-syslog']);
  if (settings.ssh !== undefined && settings.rootPassword !== undefined) {
    add(sshdFile, renderSshd(settings.ssh, settings.rootPassword !== null), ['reload-ssh']);
  }
  return plan;
}
