// The properties of an OVF environment, checked against the catalogue and grouped into
// settings (settings.ts). A bad value becomes a problem naming the property and what was
// expected, and only the part of the appliance it belongs to keeps its current state:
// everything valid is still applied. Pure.

import { problemFor, type OvfProblem } from './ovf-problem.js';
import { ovfProperty, type OvfValueKind } from './properties.js';
import type { NetworkSettings, OvfSettings } from './settings.js';
import { isIpv4, quotableKinds, valueChecks, type KindValues } from './value-checks.js';

/** What a bad value of each property leaves alone (a unit test checks every key has one). */
export const keptWhenBad: Readonly<Record<string, string>> = {
  'guestinfo.hostname': 'the host name stays as it is',
  'guestinfo.ipaddress': 'the network settings stay as they are',
  'guestinfo.netmask': 'the network settings stay as they are',
  'guestinfo.gateway': 'the network settings stay as they are',
  'guestinfo.dns': 'the network settings stay as they are',
  'guestinfo.domain': 'the network settings stay as they are',
  'guestinfo.ntp': 'the NTP servers stay as they are',
  'guestinfo.root_password': 'the root password stays as it is',
  'guestinfo.enable_ssh': 'SSH stays as it is',
  'guestinfo.operator_token': 'the operator token stays as it is',
  'guestinfo.vcenter_url': 'the vcenter source stays as it is',
  'guestinfo.vcenter_username': 'the vcenter source stays as it is',
  'guestinfo.vcenter_password': 'the vcenter source stays as it is',
  'guestinfo.vcenter_tls_verify': 'the vcenter source stays as it is',
  'guestinfo.webhook_username': "the webhook source's authentication stays as it is",
  'guestinfo.webhook_password': "the webhook source's authentication stays as it is",
  'guestinfo.http_proxy': 'the proxy settings stay as they are',
  'guestinfo.no_proxy': 'the proxy settings stay as they are',
  'guestinfo.syslog_target': 'log forwarding stays as it is',
  'guestinfo.debug': 'the log level stays as it is',
};

/** Returned for a value that failed its check (already reported). */
const bad = Symbol('bad value');
type Bad = typeof bad;

class CheckedValues {
  readonly problems: OvfProblem[] = [];
  // Several groups read the same property (the domain names the host too): checked and reported once.
  private readonly checked = new Map<string, unknown>();
  constructor(private readonly environment: ReadonlyMap<string, string>) {}

  /** The property's value; undefined when blank (after its default); `bad` when it failed. */
  get<K extends OvfValueKind>(key: string, kind: K): KindValues[K] | undefined | Bad {
    if (!this.checked.has(key)) this.checked.set(key, this.check(key, kind));
    return this.checked.get(key) as KindValues[K] | undefined | Bad;
  }

  private check<K extends OvfValueKind>(key: string, kind: K): KindValues[K] | undefined | Bad {
    const property = ovfProperty(key);
    if (property?.kind !== kind) throw new Error(`${key} is not a ${kind} property`);
    const given = this.environment.get(key);
    // Passwords and tokens are taken exactly as typed; other values lose the spaces a paste
    // brings along. (A token of spaces is then a bad value, kept out, not a blank one that
    // would open the operator endpoints.)
    const text = given === undefined ? '' : property.kind === 'secret' || property.kind === 'token' ? given : given.trim();
    const value = text === '' ? property.defaultValue : text;
    if (value === '') return undefined;
    const checked = valueChecks[kind](value);
    if ('value' in checked) return checked.value;
    const got = quotableKinds.has(kind) ? `, got "${value}"` : '';
    this.report(key, `expected ${checked.expected}${got}`);
    return bad;
  }

  report(key: string, message: string): void {
    this.problems.push(problemFor(key, `${message}; ${keptWhenBad[key] ?? 'it is ignored'}`));
  }
}

function ok<T>(value: T | undefined | Bad): value is T | undefined {
  return value !== bad;
}

export function checkOvfValues(environment: ReadonlyMap<string, string>): { settings: OvfSettings; problems: OvfProblem[] } {
  const values = new CheckedValues(environment);
  const settings: OvfSettings = {
    hostname: hostnameOf(values),
    network: networkOf(values),
    ntp: orKeep(values.get('guestinfo.ntp', 'host-list'), []),
    proxy: proxyOf(values),
    syslog: orKeep(values.get('guestinfo.syslog_target', 'syslog-target'), null),
    rootPassword: orKeep(values.get('guestinfo.root_password', 'secret'), null),
    ssh: orKeep(values.get('guestinfo.enable_ssh', 'boolean'), false),
    operatorToken: orKeep(values.get('guestinfo.operator_token', 'token'), null),
    vcenter: vcenterOf(values),
    webhookAuth: webhookAuthOf(values),
    debug: orKeep(values.get('guestinfo.debug', 'boolean'), false),
  };
  return { settings, problems: values.problems };
}

/** undefined (keep) for a bad value, `blank` for an unset one. */
function orKeep<T, B>(value: T | undefined | Bad, blank: B): T | B | undefined {
  if (value === bad) return undefined;
  return value === undefined ? blank : value;
}

function hostnameOf(values: CheckedValues): OvfSettings['hostname'] {
  const name = values.get('guestinfo.hostname', 'hostname');
  if (name === bad) return undefined;
  const resolved = name ?? { host: 'switchboard' };
  if (resolved.fqdn) return resolved;
  // A short name with a search domain is known by its full name too (Debian's installer does the same).
  const domains = values.get('guestinfo.domain', 'host-list');
  const domain = ok(domains) ? domains?.find((d) => !isIpv4(d)) : undefined;
  return domain ? { host: resolved.host, fqdn: `${resolved.host}.${domain.replace(/\.$/, '').toLowerCase()}` } : resolved;
}

function networkOf(values: CheckedValues): NetworkSettings | undefined {
  const address = values.get('guestinfo.ipaddress', 'ipv4');
  const prefix = values.get('guestinfo.netmask', 'ipv4-prefix');
  const gateway = values.get('guestinfo.gateway', 'ipv4');
  const dns = values.get('guestinfo.dns', 'ipv4-list');
  const domains = values.get('guestinfo.domain', 'host-list');
  if (!ok(address) || !ok(prefix) || !ok(gateway) || !ok(dns) || !ok(domains)) return undefined;
  const common = { dns: dns ?? [], domains: domains ?? [] };
  if (address === undefined) return { mode: 'dhcp', ...common };
  const length = prefix ?? 24;
  if (gateway !== undefined && !sameSubnet(address, gateway, length)) {
    values.report('guestinfo.gateway', `${gateway} is not in the network of ${address}/${length}: give a gateway inside it, or correct the netmask`);
    return undefined;
  }
  return { mode: 'static', address, prefix: length, ...(gateway === undefined ? {} : { gateway }), ...common };
}

function toNumber(ipv4: string): number {
  return ipv4.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function sameSubnet(a: string, b: string, prefix: number): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(toNumber(a) / size) === Math.floor(toNumber(b) / size);
}

function proxyOf(values: CheckedValues): OvfSettings['proxy'] {
  const url = values.get('guestinfo.http_proxy', 'proxy-url');
  const noProxy = values.get('guestinfo.no_proxy', 'no-proxy-list');
  if (!ok(url) || !ok(noProxy)) return undefined;
  return url === undefined ? null : { url, noProxy: noProxy ?? [] };
}

function vcenterOf(values: CheckedValues): OvfSettings['vcenter'] {
  const url = values.get('guestinfo.vcenter_url', 'https-url');
  const username = values.get('guestinfo.vcenter_username', 'text');
  const password = values.get('guestinfo.vcenter_password', 'secret');
  const verifyTls = values.get('guestinfo.vcenter_tls_verify', 'boolean');
  if (!ok(url) || !ok(username) || !ok(password) || !ok(verifyTls)) return undefined;
  if (url === undefined) return null;
  if (username === undefined || password === undefined) {
    for (const [key, value] of [['guestinfo.vcenter_username', username], ['guestinfo.vcenter_password', password]] as const) {
      if (value === undefined) values.report(key, 'is needed when the vCenter URL is set: fill in both the vCenter user and password, or clear the URL');
    }
    return undefined;
  }
  return { url, username, password, verifyTls: verifyTls ?? true };
}

function webhookAuthOf(values: CheckedValues): OvfSettings['webhookAuth'] {
  const username = values.get('guestinfo.webhook_username', 'text');
  const password = values.get('guestinfo.webhook_password', 'secret');
  if (!ok(username) || !ok(password)) return undefined;
  if (username === undefined && password === undefined) return null;
  if (username === undefined || password === undefined) {
    const missing = username === undefined ? 'guestinfo.webhook_username' : 'guestinfo.webhook_password';
    values.report(missing, 'is blank while the other webhook credential is set: fill in both the webhook user and password, or clear both');
    return undefined;
  }
  if (username.includes(':')) {
    values.report('guestinfo.webhook_username', 'must not contain a colon (HTTP basic authentication separates user and password with one)');
    return undefined;
  }
  return { username, password };
}
