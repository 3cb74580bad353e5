// Journal forwarding by systemd-netlogd (RFC 5424 over UDP or TCP). Option names as
// systemd-netlogd 1.4 reads them (src/netlog/netlog-gperf.gperf): [Network] Address= takes
// ip:port, [v6]:port or host:port (resolved when it starts), Protocol= udp|tcp|tls|dtls,
// LogFormat= rfc5424|rfc3339. Drop-ins in /etc/systemd/netlogd.conf.d/*.conf are read. Pure.

import { generatedHeader } from './generated-header.js';
import type { SyslogTarget } from './settings.js';

export const netlogdFile = '/etc/systemd/netlogd.conf.d/switchboard-ovf.conf';
export const netlogdUnit = 'systemd-netlogd.service';

export function renderNetlogd(target: SyslogTarget | null): string | null {
  if (target === null) return null;
  return [
    generatedHeader('guestinfo.syslog_target'),
    '[Network]',
    `Address=${target.host}:${target.port}`,
    `Protocol=${target.protocol}`,
    'LogFormat=rfc5424',
    '',
  ].join('\n');
}
