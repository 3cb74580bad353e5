// NTP servers for systemd-timesyncd, as a drop-in so Debian's own timesyncd.conf stays
// untouched. No servers: no drop-in, and timesyncd uses those DHCP offers, else its pool. Pure.

import { generatedHeader } from './generated-header.js';

export const timesyncFile = '/etc/systemd/timesyncd.conf.d/switchboard-ovf.conf';

export function renderTimesync(servers: readonly string[]): string | null {
  if (servers.length === 0) return null;
  return `${generatedHeader('guestinfo.ntp')}[Time]\nNTP=${servers.join(' ')}\n`;
}
