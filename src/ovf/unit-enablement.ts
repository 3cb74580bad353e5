// Turning a packaged service on or off for good (enabled and started, or disabled and
// stopped). Whether it is enabled is read from its [Install] symlink under the root prefix,
// so nothing runs when nothing changes. --no-block: at boot this step runs before these units
// may start, and waiting for their start job from here would wait for ourselves.

import type { SystemActions } from './system-actions.js';
import type { TargetRoot } from './target-files.js';

/** Both units (ssh.service, systemd-netlogd.service) say WantedBy=multi-user.target. */
export function wantsLink(unit: string): string {
  return `/etc/systemd/system/multi-user.target.wants/${unit}`;
}

/** Returns the paths that changed (the symlink), empty when the unit already was as wanted. */
export async function setUnitEnabled(unit: string, wanted: boolean | undefined, target: TargetRoot, system: SystemActions): Promise<string[]> {
  if (wanted === undefined) return [];
  const link = wantsLink(unit);
  if ((await target.exists(link)) === wanted) return [];
  await system.systemctl([wanted ? 'enable' : 'disable', '--now', '--no-block', unit]);
  return [link];
}
