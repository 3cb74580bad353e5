// The outbound HTTP proxy: an environment file for switchboard.service (and functions, which
// inherit its environment), the drop-in that loads it, and apt's setting. Both spellings of
// each variable, since tools disagree on which they read. Values were checked to hold only
// characters that need no quoting in either file (value-checks.ts, proxy-url). Pure.

import { generatedHeader } from './generated-header.js';
import type { ProxySettings } from './settings.js';

export const proxyEnvFile = '/etc/switchboard/proxy.env';
export const proxyDropInFile = '/etc/systemd/system/switchboard.service.d/ovf-proxy.conf';
export const aptProxyFile = '/etc/apt/apt.conf.d/80switchboard-proxy';

/** Never sent through the proxy: the appliance's own API and bus are on loopback. */
export const alwaysDirect = ['localhost', '127.0.0.1', '::1'];

export function noProxyList(proxy: ProxySettings): string {
  return [...new Set([...alwaysDirect, ...proxy.noProxy])].join(',');
}

export function renderProxyEnv(proxy: ProxySettings | null): string | null {
  if (proxy === null) return null;
  const noProxy = noProxyList(proxy);
  const lines = [
    `HTTP_PROXY=${proxy.url}`, `HTTPS_PROXY=${proxy.url}`, `NO_PROXY=${noProxy}`,
    `http_proxy=${proxy.url}`, `https_proxy=${proxy.url}`, `no_proxy=${noProxy}`,
  ];
  return `${generatedHeader('guestinfo.http_proxy, guestinfo.no_proxy')}${lines.join('\n')}\n`;
}

export function renderProxyDropIn(proxy: ProxySettings | null): string | null {
  if (proxy === null) return null;
  // "-": a missing file is no error, so removing proxy.env alone never stops the appliance.
  return `${generatedHeader('guestinfo.http_proxy')}[Service]\nEnvironmentFile=-${proxyEnvFile}\n`;
}

export function renderAptProxy(proxy: ProxySettings | null): string | null {
  if (proxy === null) return null;
  return `${generatedHeader('guestinfo.http_proxy', '//')}Acquire::http::Proxy "${proxy.url}";\nAcquire::https::Proxy "${proxy.url}";\n`;
}

/** A proxy URL with a password must not be world-readable in apt.conf.d. */
export function proxyHasCredentials(proxy: ProxySettings | null): boolean {
  return proxy !== null && /^[a-z]+:\/\/[^/]*@/i.test(proxy.url);
}
