// What the OVF properties ask of the appliance, once checked (check-values.ts), grouped by
// the part of the system each group configures. In every field:
//   undefined — a value this part depends on was bad (a problem says which): the part keeps
//               whatever it has now, so one typo never takes the network or a source away;
//   null / [] — the properties are blank: the part is removed or turned off.

import type { HostName, SyslogTarget } from './value-checks.js';

export type { HostName, SyslogTarget } from './value-checks.js';

export interface StaticNetwork {
  readonly mode: 'static';
  readonly address: string;
  readonly prefix: number;
  readonly gateway?: string;
  readonly dns: readonly string[];
  readonly domains: readonly string[];
}

export interface DhcpNetwork {
  readonly mode: 'dhcp';
  /** Used in addition to what DHCP offers. */
  readonly dns: readonly string[];
  readonly domains: readonly string[];
}

export type NetworkSettings = StaticNetwork | DhcpNetwork;

export interface ProxySettings {
  readonly url: string;
  /** As given; localhost and the loopback addresses are added when rendering. */
  readonly noProxy: readonly string[];
}

export interface VcenterSettings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly verifyTls: boolean;
}

export interface WebhookAuthSettings {
  readonly username: string;
  readonly password: string;
}

export interface OvfSettings {
  readonly hostname?: HostName;
  readonly network?: NetworkSettings;
  readonly ntp?: readonly string[];
  readonly proxy?: ProxySettings | null;
  readonly syslog?: SyslogTarget | null;
  /** null: root's password is locked. */
  readonly rootPassword?: string | null;
  readonly ssh?: boolean;
  /** null: http.operatorToken takes no token from the properties. */
  readonly operatorToken?: string | null;
  /** null: no source named vcenter made from the properties. */
  readonly vcenter?: VcenterSettings | null;
  /** null: the webhook source takes no authentication from the properties. */
  readonly webhookAuth?: WebhookAuthSettings | null;
  readonly debug?: boolean;
}
