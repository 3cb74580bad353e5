// One check per kind of OVF value (properties.ts): the text as vSphere passed it in, to the
// value the renderers use, or what was expected instead. Pure; a blank value never gets
// here (blank means "unset", decided per property in check-values.ts).

import { isIPv6 } from 'node:net';
import { minOperatorTokenLength } from '../config/defaults.js';
import type { OvfValueKind } from './properties.js';

export interface HostName {
  /** The first label: /etc/hostname. */
  readonly host: string;
  /** The name as given when it had a domain: the first name of 127.0.1.1 in /etc/hosts. */
  readonly fqdn?: string;
}

export interface SyslogTarget {
  readonly protocol: 'udp' | 'tcp';
  /** A host name, an IPv4 address, or an IPv6 address in brackets. */
  readonly host: string;
  readonly port: number;
}

/** The value each kind turns into. */
export interface KindValues {
  hostname: HostName;
  ipv4: string;
  'ipv4-prefix': number;
  'ipv4-list': string[];
  'host-list': string[];
  'no-proxy-list': string[];
  'https-url': string;
  'proxy-url': string;
  'syslog-target': SyslogTarget;
  text: string;
  secret: string;
  token: string;
  boolean: boolean;
}

export type Checked<T> = { readonly value: T } | { readonly expected: string };

type Check<T> = (text: string) => Checked<T>;

/** Kinds whose bad value may be quoted back in a message (a proxy URL may hold a password). */
export const quotableKinds: ReadonlySet<OvfValueKind> = new Set([
  'hostname', 'ipv4', 'ipv4-prefix', 'ipv4-list', 'host-list', 'no-proxy-list', 'https-url', 'syslog-target', 'text', 'boolean',
]);

const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const controlCharacters = /[\u0000-\u001f\u007f]/;

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  // No leading zeros: 010 is octal to some parsers and decimal to others.
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  // A name of digits and dots only would read as an address.
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => label.test(l)) && !/^[0-9.]+$/.test(name);
}

function isHostOrAddress(text: string): boolean {
  return isIpv4(text) || isIPv6(text) || isDnsName(text);
}

/** Split on commas and white space, as the wizard's descriptions say. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== '');
}

function list(isItem: (item: string) => boolean, expected: string): Check<string[]> {
  return (text) => {
    const items = splitList(text);
    const bad = items.filter((item) => !isItem(item));
    return bad.length === 0 ? { value: items } : { expected: `${expected} (not ${bad.map((b) => `"${b}"`).join(', ')})` };
  };
}

/** The prefix length of a dotted netmask, or undefined when its ones are not contiguous. */
export function netmaskToPrefix(mask: string): number | undefined {
  if (!isIpv4(mask)) return undefined;
  const bits = mask.split('.').map((p) => Number(p).toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  const firstZero = bits.indexOf('0');
  return firstZero === -1 ? 32 : firstZero;
}

function checkHostname(text: string): Checked<HostName> {
  if (!isDnsName(text) || text.endsWith('.')) {
    return { expected: 'a host name (letters, digits and hyphens, at most 63 per label) or a fully qualified name such as switchboard.example.com' };
  }
  const host = text.split('.')[0]!.toLowerCase();
  return { value: text.includes('.') ? { host, fqdn: text.toLowerCase() } : { host } };
}

function checkPrefix(text: string): Checked<number> {
  const digits = /^\/?([0-9]{1,2})$/.exec(text);
  if (digits) {
    const prefix = Number(digits[1]);
    if (prefix >= 1 && prefix <= 32) return { value: prefix };
  }
  const fromMask = netmaskToPrefix(text);
  if (fromMask !== undefined && fromMask >= 1) return { value: fromMask };
  return { expected: 'a prefix length from 1 to 32 (24) or a netmask whose ones are contiguous (255.255.255.0)' };
}

function checkHttpUrl(text: string): Checked<string> {
  const expected = 'an https:// (or http://) URL with a host and no user, query or fragment, such as https://vcenter.example.com';
  if (!/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i.test(text)) return { expected };
  const url = parseUrl(text);
  if (!url || !isHostOrAddress(url.hostname.replace(/^\[|\]$/g, ''))) return { expected };
  // Trailing slashes would double in the paths the source appends ({url}/api/session).
  return { value: text.replace(/\/+$/, '') };
}

// Characters an environment file, apt.conf and a URL all take without quoting.
const proxyCharacters = /^[A-Za-z0-9._~%!*+,;=:@/[\]-]+$/;

function checkProxyUrl(text: string): Checked<string> {
  const expected = 'http://[user:password@]host:port, such as http://proxy.example.com:3128 (special characters in the password %-encoded)';
  const url = proxyCharacters.test(text) ? parseUrl(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.hash !== '') return { expected };
  if (!isHostOrAddress(url.hostname.replace(/^\[|\]$/g, ''))) return { expected };
  return { value: text.replace(/\/$/, '') };
}

function checkSyslogTarget(text: string): Checked<SyslogTarget> {
  const match = /^(?:(udp|tcp):\/\/)?(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+)(?::([0-9]{1,5}))?\/?$/i.exec(text);
  const host = match?.[2];
  const port = match?.[3] === undefined ? 514 : Number(match[3]);
  const hostOk = host !== undefined && (host.startsWith('[') ? isIPv6(host.slice(1, -1)) : isIpv4(host) || isDnsName(host));
  if (!match || !host || !hostOk || port < 1 || port > 65535) {
    return { expected: 'udp://host:port, tcp://host:port or host[:port] (UDP, port 514 by default), such as udp://syslog.example.com:514' };
  }
  return { value: { protocol: (match[1]?.toLowerCase() ?? 'udp') as 'udp' | 'tcp', host, port } };
}

// The operator guard reads the token as `Authorization: Bearer <non-space characters>`
// (src/http/operator-auth.ts), and an HTTP header carries ASCII as sent: a space or a
// non-ASCII character would make a token no request can ever match.
function checkToken(text: string): Checked<string> {
  if (text.length < minOperatorTokenLength || !/^[\x21-\x7e]+$/.test(text)) {
    return { expected: `at least ${minOperatorTokenLength} characters: letters, digits and punctuation, without spaces` };
  }
  return { value: text };
}

function isNoProxyEntry(item: string): boolean {
  if (item === '*') return true;
  const cidr = /^(.+)\/([0-9]{1,3})$/.exec(item);
  if (cidr) return (isIpv4(cidr[1]!) && Number(cidr[2]) <= 32) || (isIPv6(cidr[1]!) && Number(cidr[2]) <= 128);
  return isHostOrAddress(item.replace(/^\*?\./, ''));
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export const valueChecks: { readonly [K in OvfValueKind]: Check<KindValues[K]> } = {
  hostname: checkHostname,
  ipv4: (text) => (isIpv4(text) ? { value: text } : { expected: 'a dotted IPv4 address such as 192.168.1.10' }),
  'ipv4-prefix': checkPrefix,
  'ipv4-list': list(isIpv4, 'IPv4 addresses separated by commas, such as 192.168.1.53, 192.168.2.53'),
  'host-list': list(isHostOrAddress, 'host names or addresses separated by commas, such as example.com, lab.example.com'),
  'no-proxy-list': list(isNoProxyEntry, 'host names, .domain suffixes, addresses or CIDR blocks separated by commas, such as .example.com, 10.0.0.0/8'),
  'https-url': checkHttpUrl,
  'proxy-url': checkProxyUrl,
  'syslog-target': checkSyslogTarget,
  text: (text) => (controlCharacters.test(text) ? { expected: 'one line of text, without control characters' } : { value: text }),
  secret: (text) => (/[\r\n\u0000]/.test(text) ? { expected: 'one line (no line breaks)' } : { value: text }),
  token: checkToken,
  boolean: (text) => (/^(true|false)$/i.test(text) ? { value: text.toLowerCase() === 'true' } : { expected: 'True or False' }),
};
