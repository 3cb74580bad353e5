// The OVF properties of the appliance: one catalogue that the OVA's descriptor declares
// (appliance/build-ova: labels, descriptions and categories as vSphere's deploy wizard
// shows them), that the boot-time reader parses and checks (`switchboard ovf apply`), and
// that the README's table lists. A key here is the key in the OVF environment.

/** How a value is checked before it is applied; a bad value is reported and ignored. */
export type OvfValueKind =
  | 'hostname' // RFC 1123 host name, or a fully qualified name (the first label is the host name)
  | 'ipv4' // a dotted IPv4 address
  | 'ipv4-prefix' // a prefix length (24) or a dotted netmask (255.255.255.0)
  | 'ipv4-list' // IPv4 addresses separated by commas or spaces
  | 'host-list' // host names or addresses separated by commas or spaces
  | 'no-proxy-list' // like host-list, also .domain suffixes and CIDR blocks (10.0.0.0/8), as NO_PROXY takes them
  | 'https-url' // an http(s) URL with a host (the vCenter)
  | 'proxy-url' // http://[user:password@]host:port
  | 'syslog-target' // udp://host:port, tcp://host:port or host[:port] (UDP 514)
  | 'text' // anything (user names)
  | 'secret' // anything, never logged or echoed
  | 'token' // a Bearer token: at least 16 printable ASCII characters, no spaces; never logged or echoed
  | 'boolean'; // True / False, as vSphere writes them

export interface OvfProperty {
  /** The key in the OVF environment (`oe:key`). */
  readonly key: string;
  /** ovf:type in the descriptor. */
  readonly type: 'string' | 'boolean';
  readonly kind: OvfValueKind;
  /** The wizard's group. */
  readonly category: string;
  readonly label: string;
  readonly description: string;
  /** The value when the property is left as it is; '' = unset. */
  readonly defaultValue: string;
  /** Shown as dots in the wizard and never in logs. */
  readonly password?: boolean;
}

const network = '1. Network';
const access = '2. Access';
const vcenter = '3. vCenter';
const webhook = '4. Webhook';
const operations = '5. Logging and proxy';

export const ovfProperties: readonly OvfProperty[] = [
  { key: 'guestinfo.hostname', type: 'string', kind: 'hostname', category: network, label: 'Hostname', description: 'Host name of the appliance (a fully qualified name also sets its domain). Default: switchboard.', defaultValue: 'switchboard' },
  { key: 'guestinfo.ipaddress', type: 'string', kind: 'ipv4', category: network, label: 'IP address', description: 'Static IPv4 address. Blank: DHCP (netmask and gateway are then ignored; DNS servers and search domains are added to what DHCP offers).', defaultValue: '' },
  { key: 'guestinfo.netmask', type: 'string', kind: 'ipv4-prefix', category: network, label: 'Netmask or prefix', description: 'Prefix length (24) or netmask (255.255.255.0) of the static address.', defaultValue: '24' },
  { key: 'guestinfo.gateway', type: 'string', kind: 'ipv4', category: network, label: 'Gateway', description: 'Default gateway of the static address.', defaultValue: '' },
  { key: 'guestinfo.dns', type: 'string', kind: 'ipv4-list', category: network, label: 'DNS servers', description: 'DNS servers, separated by commas (with DHCP: used in addition to those DHCP offers).', defaultValue: '' },
  { key: 'guestinfo.domain', type: 'string', kind: 'host-list', category: network, label: 'DNS search domains', description: 'Search domains, separated by commas.', defaultValue: '' },
  { key: 'guestinfo.ntp', type: 'string', kind: 'host-list', category: network, label: 'NTP servers', description: 'NTP servers, separated by commas. Blank: those DHCP offers, else Debian\'s pool.', defaultValue: '' },
  { key: 'guestinfo.root_password', type: 'string', kind: 'secret', category: access, label: 'Root password', description: 'Password of root on the console (and over SSH when enabled). Blank: root login is locked.', defaultValue: '', password: true },
  { key: 'guestinfo.enable_ssh', type: 'boolean', kind: 'boolean', category: access, label: 'Enable SSH', description: 'Start the SSH server (root may log in with the password above).', defaultValue: 'False' },
  { key: 'guestinfo.operator_token', type: 'string', kind: 'token', category: access, label: 'Operator token', description: 'The Bearer token that /invocations, /functions and /metrics require (at least 16 characters, no spaces; stored in /etc/switchboard/secrets, mode 0600). Blank: those endpoints answer anyone who can reach port 8080.', defaultValue: '', password: true },
  { key: 'guestinfo.vcenter_url', type: 'string', kind: 'https-url', category: vcenter, label: 'vCenter URL', description: 'https://vcenter.example.com: the appliance streams its events (a source named vcenter). Blank: no vCenter source.', defaultValue: '' },
  { key: 'guestinfo.vcenter_username', type: 'string', kind: 'text', category: vcenter, label: 'vCenter user', description: 'A vCenter user that may read events, e.g. svc-switchboard@vsphere.local.', defaultValue: '' },
  { key: 'guestinfo.vcenter_password', type: 'string', kind: 'secret', category: vcenter, label: 'vCenter password', description: 'The password of that user (stored in /etc/switchboard/secrets, mode 0600).', defaultValue: '', password: true },
  { key: 'guestinfo.vcenter_tls_verify', type: 'boolean', kind: 'boolean', category: vcenter, label: 'Verify the vCenter certificate', description: 'Untick only for a lab vCenter with a self-signed certificate.', defaultValue: 'True' },
  { key: 'guestinfo.webhook_username', type: 'string', kind: 'text', category: webhook, label: 'Webhook user', description: 'Senders to /webhooks/events must log in with HTTP basic authentication as this user. Blank (with the password blank): no authentication.', defaultValue: '' },
  { key: 'guestinfo.webhook_password', type: 'string', kind: 'secret', category: webhook, label: 'Webhook password', description: 'The password of the webhook user (stored in /etc/switchboard/secrets, mode 0600).', defaultValue: '', password: true },
  { key: 'guestinfo.http_proxy', type: 'string', kind: 'proxy-url', category: operations, label: 'HTTP proxy', description: 'http://proxy.example.com:3128 for the appliance\'s outbound HTTP(S) (functions, apt). Blank: direct.', defaultValue: '' },
  { key: 'guestinfo.no_proxy', type: 'string', kind: 'no-proxy-list', category: operations, label: 'No proxy for', description: 'Hosts and domains reached directly, separated by commas (localhost is always).', defaultValue: '' },
  { key: 'guestinfo.syslog_target', type: 'string', kind: 'syslog-target', category: operations, label: 'Syslog server', description: 'udp://host:514 or tcp://host:514: the journal is forwarded there (RFC 5424). Blank: none.', defaultValue: '' },
  { key: 'guestinfo.debug', type: 'boolean', kind: 'boolean', category: operations, label: 'Debug logging', description: 'Log at debug level (the appliance and its functions).', defaultValue: 'False' },
];

export function ovfProperty(key: string): OvfProperty | undefined {
  return ovfProperties.find((p) => p.key === key);
}
