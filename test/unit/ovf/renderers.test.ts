import { describe, expect, it } from 'vitest';
import { renderHostname, renderHosts } from '../../../src/ovf/render-hostname.js';
import { renderNetwork } from '../../../src/ovf/render-network.js';
import { noProxyList, proxyHasCredentials, renderAptProxy, renderProxyDropIn, renderProxyEnv } from '../../../src/ovf/render-proxy.js';
import { renderSshd } from '../../../src/ovf/render-ssh.js';
import { renderNetlogd } from '../../../src/ovf/render-syslog.js';
import { renderTimesync } from '../../../src/ovf/render-timesync.js';

/** The file without its generated-by header. */
const body = (text: string | null) => text?.split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('//')).join('\n').trim();

describe('/etc/hostname and /etc/hosts', () => {
  it('writes the short name to /etc/hostname', () => {
    expect(renderHostname({ host: 'sb01', fqdn: 'sb01.corp.example.com' })).toBe('sb01\n');
  });

  it("replaces the host's own 127.0.1.1 line and keeps every other line, comments included", () => {
    const current = '127.0.0.1\tlocalhost\n127.0.1.1\tswitchboard\n# my lab box\n10.0.0.9\tnas\n::1\tlocalhost ip6-localhost ip6-loopback\n';
    expect(renderHosts(current, { host: 'sb01', fqdn: 'sb01.corp.example.com' })).toBe(
      '127.0.0.1\tlocalhost\n127.0.1.1\tsb01.corp.example.com sb01\n# my lab box\n10.0.0.9\tnas\n::1\tlocalhost ip6-localhost ip6-loopback\n',
    );
  });

  it('adds the line after localhost when there was none, and writes Debian\'s file when there is no file', () => {
    expect(renderHosts('127.0.0.1 localhost\n::1 localhost\n', { host: 'sb01' })).toBe('127.0.0.1 localhost\n127.0.1.1\tsb01\n::1 localhost\n');
    const fresh = renderHosts(undefined, { host: 'sb01' });
    expect(fresh).toMatch(/^127\.0\.0\.1\tlocalhost\n127\.0\.1\.1\tsb01\n/);
    expect(fresh).toContain('::1\t\tlocalhost ip6-localhost ip6-loopback\n');
  });

  it('is stable: rendering its own output again changes nothing', () => {
    const once = renderHosts(undefined, { host: 'sb01', fqdn: 'sb01.lab' });
    expect(renderHosts(once, { host: 'sb01', fqdn: 'sb01.lab' })).toBe(once);
  });
});

describe('systemd-networkd file', () => {
  it('a static address on eth0 with gateway, DNS and search domains', () => {
    const text = renderNetwork({ mode: 'static', address: '192.168.10.20', prefix: 24, gateway: '192.168.10.1', dns: ['192.168.10.53', '192.168.20.53'], domains: ['corp.example.com'] });
    expect(text).toMatch(/^# Written by `switchboard ovf apply`/);
    expect(body(text)).toBe(
      '[Match]\nName=eth0\n\n[Network]\nAddress=192.168.10.20/24\nGateway=192.168.10.1\nDNS=192.168.10.53 192.168.20.53\nDomains=corp.example.com',
    );
  });

  it('DHCP for IPv4 plus the DNS servers and domains given', () => {
    expect(body(renderNetwork({ mode: 'dhcp', dns: ['10.0.0.53'], domains: ['lab.example.com'] }))).toBe(
      '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\nDNS=10.0.0.53\nDomains=lab.example.com',
    );
    expect(body(renderNetwork({ mode: 'dhcp', dns: [], domains: [] }))).toBe('[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4');
  });

  it('a static address without a gateway has no Gateway= line', () => {
    expect(renderNetwork({ mode: 'static', address: '10.0.0.5', prefix: 16, dns: [], domains: [] })).not.toContain('Gateway=');
  });
});

describe('timesyncd, netlogd and sshd drop-ins', () => {
  it('NTP servers, or no file at all', () => {
    expect(body(renderTimesync(['ntp1.example.com', '10.0.0.1']))).toBe('[Time]\nNTP=ntp1.example.com 10.0.0.1');
    expect(renderTimesync([])).toBeNull();
  });

  it('netlogd forwards to host:port with the protocol, in RFC 5424', () => {
    expect(body(renderNetlogd({ protocol: 'tcp', host: 'syslog.example.com', port: 1514 }))).toBe(
      '[Network]\nAddress=syslog.example.com:1514\nProtocol=tcp\nLogFormat=rfc5424',
    );
    expect(renderNetlogd({ protocol: 'udp', host: '[2001:db8::9]', port: 514 })).toContain('Address=[2001:db8::9]:514\nProtocol=udp\n');
    expect(renderNetlogd(null)).toBeNull();
  });

  it('root may log in over SSH with a password only when SSH is on and root has one', () => {
    expect(body(renderSshd(true, true))).toBe('PermitRootLogin yes');
    expect(renderSshd(true, false)).toBeNull();
    expect(renderSshd(false, true)).toBeNull();
  });
});

describe('proxy files', () => {
  const proxy = { url: 'http://proxy.example.com:3128', noProxy: ['.corp.example.com', 'localhost'] };

  it('sets both spellings of each variable, and NO_PROXY always holds the loopback names once', () => {
    expect(noProxyList(proxy)).toBe('localhost,127.0.0.1,::1,.corp.example.com');
    expect(body(renderProxyEnv(proxy))).toBe(
      [
        'HTTP_PROXY=http://proxy.example.com:3128', 'HTTPS_PROXY=http://proxy.example.com:3128', 'NO_PROXY=localhost,127.0.0.1,::1,.corp.example.com',
        'http_proxy=http://proxy.example.com:3128', 'https_proxy=http://proxy.example.com:3128', 'no_proxy=localhost,127.0.0.1,::1,.corp.example.com',
      ].join('\n'),
    );
  });

  it('the unit drop-in loads the environment file, optional so its absence never stops the appliance', () => {
    expect(body(renderProxyDropIn(proxy))).toBe('[Service]\nEnvironmentFile=-/etc/switchboard/proxy.env');
  });

  it("apt's proxy for http and https, commented the apt way", () => {
    const apt = renderAptProxy(proxy)!;
    expect(apt.split('\n')[0]).toMatch(/^\/\/ Written by/);
    expect(body(apt)).toBe('Acquire::http::Proxy "http://proxy.example.com:3128";\nAcquire::https::Proxy "http://proxy.example.com:3128";');
  });

  it('no proxy: none of the three files', () => {
    expect([renderProxyEnv(null), renderProxyDropIn(null), renderAptProxy(null)]).toEqual([null, null, null]);
  });

  it('knows when the URL carries credentials', () => {
    expect(proxyHasCredentials({ url: 'http://u:p@proxy:3128', noProxy: [] })).toBe(true);
    expect(proxyHasCredentials(proxy)).toBe(false);
  });
});
