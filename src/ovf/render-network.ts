// The systemd-networkd file for the first interface. The image's 80-dhcp.network gives every
// Ethernet interface DHCP; this file sorts first (10-) so eth0 takes the OVF settings and the
// others keep DHCP. Interfaces are eth0… because the image boots with net.ifnames=0.
// DNS servers and search domains reach systemd-resolved through networkd. Pure.

import { generatedHeader } from './generated-header.js';
import type { NetworkSettings } from './settings.js';

export const networkFile = '/etc/systemd/network/10-switchboard-ovf.network';
export const ovfInterface = 'eth0';

export function renderNetwork(network: NetworkSettings): string {
  const lines = [
    generatedHeader('guestinfo.ipaddress, netmask, gateway, dns, domain'),
    '[Match]',
    `Name=${ovfInterface}`,
    '',
    '[Network]',
  ];
  if (network.mode === 'static') {
    lines.push(`Address=${network.address}/${network.prefix}`);
    if (network.gateway) lines.push(`Gateway=${network.gateway}`);
  } else {
    // IPv4 only, as the property describes; DNS= and Domains= below add to what DHCP offers.
    lines.push('DHCP=ipv4');
  }
  if (network.dns.length > 0) lines.push(`DNS=${network.dns.join(' ')}`);
  if (network.domains.length > 0) lines.push(`Domains=${network.domains.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
