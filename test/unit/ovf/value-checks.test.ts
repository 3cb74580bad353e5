import { describe, expect, it } from 'vitest';
import { ovfProperties, type OvfValueKind } from '../../../src/ovf/properties.js';
import { netmaskToPrefix, valueChecks } from '../../../src/ovf/value-checks.js';

function valueOf(kind: OvfValueKind, text: string): unknown {
  const checked = valueChecks[kind](text);
  if (!('value' in checked)) throw new Error(`${kind} refused ${JSON.stringify(text)}: expected ${checked.expected}`);
  return checked.value;
}

function refused(kind: OvfValueKind, text: string): string {
  const checked = valueChecks[kind](text);
  if ('value' in checked) throw new Error(`${kind} accepted ${JSON.stringify(text)} as ${JSON.stringify(checked.value)}`);
  return checked.expected;
}

describe('OVF value checks, kind by kind', () => {
  it('has a check for every kind the catalogue uses', () => {
    for (const p of ovfProperties) expect(valueChecks[p.kind], p.key).toBeTypeOf('function');
  });

  it('hostname: a short name, or a fully qualified one whose first label is the host', () => {
    expect(valueOf('hostname', 'sb01')).toEqual({ host: 'sb01' });
    expect(valueOf('hostname', 'SB01.Corp.Example.com')).toEqual({ host: 'sb01', fqdn: 'sb01.corp.example.com' });
    expect(valueOf('hostname', 'a-1')).toEqual({ host: 'a-1' });
    for (const bad of ['-sb', 'sb_01', 'sb 01', 'sb01.', `${'a'.repeat(64)}`, '192.168.1.1', 'sb..corp']) expect(refused('hostname', bad)).toMatch(/host name/);
  });

  it('ipv4: four decimal octets, no leading zeros', () => {
    expect(valueOf('ipv4', '192.168.1.10')).toBe('192.168.1.10');
    expect(valueOf('ipv4', '0.0.0.0')).toBe('0.0.0.0');
    for (const bad of ['300.1.1.1', '192.168.1', '192.168.1.1.1', '010.0.0.1', 'host', '1.2.3.4/24', '::1']) expect(refused('ipv4', bad)).toMatch(/IPv4/);
  });

  it('ipv4-prefix: a length from 1 to 32 or a contiguous netmask', () => {
    expect(valueOf('ipv4-prefix', '24')).toBe(24);
    expect(valueOf('ipv4-prefix', '/16')).toBe(16);
    expect(valueOf('ipv4-prefix', '255.255.255.0')).toBe(24);
    expect(valueOf('ipv4-prefix', '255.255.252.0')).toBe(22);
    expect(valueOf('ipv4-prefix', '255.255.255.255')).toBe(32);
    for (const bad of ['255.0.255.0', '255.255.255.1', '0', '33', '0.0.0.0', 'abc']) expect(refused('ipv4-prefix', bad)).toMatch(/contiguous/);
    expect(netmaskToPrefix('255.128.0.0')).toBe(9);
    expect(netmaskToPrefix('255.0.128.0')).toBeUndefined();
  });

  it('ipv4-list: separated by commas or spaces, naming the entries that are wrong', () => {
    expect(valueOf('ipv4-list', '10.0.0.53, 10.0.1.53 10.0.2.53,')).toEqual(['10.0.0.53', '10.0.1.53', '10.0.2.53']);
    expect(refused('ipv4-list', '10.0.0.53, dns.example.com')).toContain('not "dns.example.com"');
  });

  it('host-list: names and addresses', () => {
    expect(valueOf('host-list', 'ntp1.example.com, 10.0.0.1 2001:db8::1')).toEqual(['ntp1.example.com', '10.0.0.1', '2001:db8::1']);
    expect(refused('host-list', 'ok.example.com, bad_name')).toContain('not "bad_name"');
    expect(refused('host-list', '.example.com')).toContain('not ".example.com"');
  });

  it('no-proxy-list: also .domain suffixes, *.domain, CIDR blocks and *', () => {
    expect(valueOf('no-proxy-list', '.corp.example.com, *.lab.example.com, 10.0.0.0/8, fd00::/8, host1, *')).toHaveLength(6);
    expect(refused('no-proxy-list', '10.0.0.0/33')).toContain('not "10.0.0.0/33"');
    expect(refused('no-proxy-list', 'a b/c')).toContain('not "b/c"');
  });

  it('https-url: http(s) with a host; no user, query or fragment; trailing slashes dropped', () => {
    expect(valueOf('https-url', 'https://vcsa.example.com')).toBe('https://vcsa.example.com');
    expect(valueOf('https-url', 'https://vcsa.example.com:8443/')).toBe('https://vcsa.example.com:8443');
    expect(valueOf('https-url', 'http://10.0.0.5')).toBe('http://10.0.0.5');
    for (const bad of ['vcsa.example.com', 'ftp://vcsa.example.com', 'https://', 'https://user@vcsa', 'https://vcsa/?x=1', 'https://vc sa', 'https://bad_host']) {
      expect(refused('https-url', bad)).toMatch(/https:\/\//);
    }
  });

  it('proxy-url: http(s)://[user:password@]host[:port], nothing that would need quoting', () => {
    expect(valueOf('proxy-url', 'http://proxy.example.com:3128')).toBe('http://proxy.example.com:3128');
    expect(valueOf('proxy-url', 'http://user:p%40ss@proxy.example.com:3128/')).toBe('http://user:p%40ss@proxy.example.com:3128');
    for (const bad of ['proxy.example.com:3128', 'socks5://proxy:1080', 'http://proxy:3128/path', 'http://proxy:3128 ', 'http://us"er@proxy:1', 'http://pro$xy:1']) {
      expect(refused('proxy-url', bad)).toMatch(/http:\/\//);
    }
  });

  it('syslog-target: udp:// or tcp:// with an optional port, UDP 514 without a scheme', () => {
    expect(valueOf('syslog-target', 'syslog.example.com')).toEqual({ protocol: 'udp', host: 'syslog.example.com', port: 514 });
    expect(valueOf('syslog-target', 'TCP://10.0.0.9:1514')).toEqual({ protocol: 'tcp', host: '10.0.0.9', port: 1514 });
    expect(valueOf('syslog-target', 'udp://[2001:db8::9]:514')).toEqual({ protocol: 'udp', host: '[2001:db8::9]', port: 514 });
    for (const bad of ['tls://syslog:6514', 'syslog:0', 'syslog:70000', 'udp://', 'http://syslog:514', 'bad_host:514']) expect(refused('syslog-target', bad)).toMatch(/udp:\/\//);
  });

  it('text: one line; secret: anything but a line break', () => {
    expect(valueOf('text', 'svc-switchboard@vsphere.local')).toBe('svc-switchboard@vsphere.local');
    expect(refused('text', 'two\nlines')).toMatch(/one line/);
    expect(valueOf('secret', ' p@ss "w0rd" \t')).toBe(' p@ss "w0rd" \t');
    expect(refused('secret', 'pass\nword')).toMatch(/no line breaks/);
  });

  it('token: at least 16 printable ASCII characters, none a space, as a Bearer header carries it', () => {
    expect(valueOf('token', 'op-T0ken.s3cret/+=')).toBe('op-T0ken.s3cret/+=');
    expect(valueOf('token', 'a'.repeat(16))).toBe('a'.repeat(16));
    for (const bad of ['a'.repeat(15), 'sixteen chars ok!', ' leading-space-token', 'tab\tin-the-token-here', 'line\nbreak-in-the-token', 'ünïcödé-token-value']) {
      expect(refused('token', bad)).toMatch(/at least 16 characters/);
    }
  });

  it('boolean: True or False in any case, nothing else', () => {
    expect(valueOf('boolean', 'True')).toBe(true);
    expect(valueOf('boolean', 'FALSE')).toBe(false);
    expect(valueOf('boolean', 'true')).toBe(true);
    for (const bad of ['yes', '1', 'Tru']) expect(refused('boolean', bad)).toBe('True or False');
  });
});
