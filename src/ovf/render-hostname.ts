// /etc/hostname and the 127.0.1.1 line of /etc/hosts, Debian's way of making the host's own
// name resolve without DNS (the installer writes the same line). Pure.

import type { HostName } from './settings.js';

export function renderHostname(name: HostName): string {
  return `${name.host}\n`;
}

const ownLine = /^\s*127\.0\.1\.1(\s|$)/;
const loopbackLine = /^\s*127\.0\.0\.1(\s|$)/;

const debianHosts = ['127.0.0.1\tlocalhost', '', '::1\t\tlocalhost ip6-localhost ip6-loopback', 'ff02::1\t\tip6-allnodes', 'ff02::2\t\tip6-allrouters'];

/** `current` with its 127.0.1.1 line replaced (or added after 127.0.0.1); every other line kept. */
export function renderHosts(current: string | undefined, name: HostName): string {
  const own = `127.0.1.1\t${name.fqdn && name.fqdn !== name.host ? `${name.fqdn} ${name.host}` : name.host}`;
  const lines = current === undefined || current.trim() === '' ? [...debianHosts] : current.replace(/\n$/, '').split('\n');
  const kept = lines.filter((line) => !ownLine.test(line));
  const loopback = kept.findIndex((line) => loopbackLine.test(line));
  kept.splice(loopback + 1, 0, own);
  return `${kept.join('\n')}\n`;
}
