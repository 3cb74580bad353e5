import { describe, expect, it } from 'vitest';
import { checkOvfValues, keptWhenBad } from '../../../src/ovf/check-values.js';
import { ovfProperties } from '../../../src/ovf/properties.js';

const check = (values: Record<string, string>) => checkOvfValues(new Map(Object.entries(values)));

describe('checkOvfValues', () => {
  it('says for every property what a bad value leaves alone', () => {
    expect(Object.keys(keptWhenBad).sort()).toEqual(ovfProperties.map((p) => p.key).sort());
  });

  it('an environment with no properties set gives the defaults: DHCP, host switchboard, everything off', () => {
    const { settings, problems } = check({});
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      hostname: { host: 'switchboard' },
      network: { mode: 'dhcp', dns: [], domains: [] },
      ntp: [],
      proxy: null,
      syslog: null,
      rootPassword: null,
      ssh: false,
      operatorToken: null,
      vcenter: null,
      webhookAuth: null,
      debug: false,
    });
  });

  it('a blank value means its default, and values lose the spaces of a paste (passwords do not)', () => {
    const { settings } = check({ 'guestinfo.hostname': '  ', 'guestinfo.ipaddress': ' 10.0.0.5 ', 'guestinfo.netmask': '', 'guestinfo.root_password': ' pw ' });
    expect(settings.hostname).toEqual({ host: 'switchboard' });
    expect(settings.network).toEqual({ mode: 'static', address: '10.0.0.5', prefix: 24, dns: [], domains: [] });
    expect(settings.rootPassword).toBe(' pw ');
  });

  it('a static address with its netmask, gateway, DNS and search domains', () => {
    const { settings, problems } = check({
      'guestinfo.ipaddress': '192.168.10.20', 'guestinfo.netmask': '255.255.254.0', 'guestinfo.gateway': '192.168.11.1',
      'guestinfo.dns': '192.168.10.53,192.168.20.53', 'guestinfo.domain': 'corp.example.com lab.example.com',
    });
    expect(problems).toEqual([]);
    expect(settings.network).toEqual({
      mode: 'static', address: '192.168.10.20', prefix: 23, gateway: '192.168.11.1',
      dns: ['192.168.10.53', '192.168.20.53'], domains: ['corp.example.com', 'lab.example.com'],
    });
  });

  it('a short host name takes the first search domain as its full name', () => {
    expect(check({ 'guestinfo.hostname': 'sb01', 'guestinfo.domain': 'corp.example.com' }).settings.hostname).toEqual({ host: 'sb01', fqdn: 'sb01.corp.example.com' });
  });

  it('a bad IP address keeps the network as it is, names the property, and still applies everything else', () => {
    const { settings, problems } = check({ 'guestinfo.ipaddress': '192.168.10.300', 'guestinfo.hostname': 'sb02', 'guestinfo.enable_ssh': 'True' });
    expect(problems).toEqual([
      {
        key: 'guestinfo.ipaddress',
        label: 'IP address',
        message: 'expected a dotted IPv4 address such as 192.168.1.10, got "192.168.10.300"; the network settings stay as they are',
      },
    ]);
    expect(settings.network).toBeUndefined();
    expect(settings.hostname).toEqual({ host: 'sb02' });
    expect(settings.ssh).toBe(true);
  });

  it('a netmask that is not contiguous, and a gateway outside the network, are problems', () => {
    const mask = check({ 'guestinfo.ipaddress': '10.0.0.5', 'guestinfo.netmask': '255.0.255.0' });
    expect(mask.problems.map((p) => p.key)).toEqual(['guestinfo.netmask']);
    expect(mask.problems[0]!.message).toMatch(/contiguous/);
    expect(mask.settings.network).toBeUndefined();
    const gateway = check({ 'guestinfo.ipaddress': '10.0.0.5', 'guestinfo.netmask': '24', 'guestinfo.gateway': '10.0.1.1' });
    expect(gateway.problems.map((p) => p.key)).toEqual(['guestinfo.gateway']);
    expect(gateway.problems[0]!.message).toMatch(/not in the network of 10\.0\.0\.5\/24/);
  });

  it('a bad search domain is reported once, though both the network and the host name read it', () => {
    const { problems, settings } = check({ 'guestinfo.domain': 'bad_domain', 'guestinfo.hostname': 'sb01' });
    expect(problems.map((p) => p.key)).toEqual(['guestinfo.domain']);
    expect(settings.hostname).toEqual({ host: 'sb01' });
  });

  it('a vCenter URL without user or password is a problem naming what is missing, and the source is left alone', () => {
    const { settings, problems } = check({ 'guestinfo.vcenter_url': 'https://vcsa.example.com', 'guestinfo.vcenter_password': 'pw' });
    expect(problems.map((p) => [p.key, p.label])).toEqual([['guestinfo.vcenter_username', 'vCenter user']]);
    expect(problems[0]!.message).toMatch(/needed when the vCenter URL is set/);
    expect(settings.vcenter).toBeUndefined();
  });

  it('a vCenter URL without a scheme is a problem', () => {
    const { settings, problems } = check({ 'guestinfo.vcenter_url': 'vcsa.example.com', 'guestinfo.vcenter_username': 'u', 'guestinfo.vcenter_password': 'p' });
    expect(problems.map((p) => p.key)).toEqual(['guestinfo.vcenter_url']);
    expect(settings.vcenter).toBeUndefined();
  });

  it('the vCenter with its certificate checked unless the box is unticked', () => {
    const vc = { 'guestinfo.vcenter_url': 'https://vc', 'guestinfo.vcenter_username': 'u', 'guestinfo.vcenter_password': 'p' };
    expect(check(vc).settings.vcenter).toEqual({ url: 'https://vc', username: 'u', password: 'p', verifyTls: true });
    expect(check({ ...vc, 'guestinfo.vcenter_tls_verify': 'false' }).settings.vcenter?.verifyTls).toBe(false);
  });

  it('the webhook user and password go together, and the user has no colon', () => {
    expect(check({ 'guestinfo.webhook_username': 'u', 'guestinfo.webhook_password': 'p' }).settings.webhookAuth).toEqual({ username: 'u', password: 'p' });
    const half = check({ 'guestinfo.webhook_password': 'p' });
    expect(half.problems.map((p) => p.key)).toEqual(['guestinfo.webhook_username']);
    expect(half.settings.webhookAuth).toBeUndefined();
    const colon = check({ 'guestinfo.webhook_username': 'a:b', 'guestinfo.webhook_password': 'p' });
    expect(colon.problems[0]!.message).toMatch(/colon/);
    expect(colon.settings.webhookAuth).toBeUndefined();
  });

  it('an operator token shorter than 16 characters is a problem named by label and key, and keeps the token as it is', () => {
    expect(check({ 'guestinfo.operator_token': 'sixteen-chars-ok' }).settings.operatorToken).toBe('sixteen-chars-ok');
    const { settings, problems } = check({ 'guestinfo.operator_token': 'too-short-tok' });
    expect(problems).toEqual([
      { key: 'guestinfo.operator_token', label: 'Operator token', message: expect.stringMatching(/^expected at least 16 characters.*; the operator token stays as it is$/) },
    ]);
    expect(JSON.stringify(problems)).not.toContain('too-short-tok');
    expect(settings.operatorToken).toBeUndefined();
  });

  it('an operator token is taken as typed: one of spaces only is a problem, not a blank that would open the endpoints', () => {
    const { settings, problems } = check({ 'guestinfo.operator_token': '   ' });
    expect(problems.map((p) => p.key)).toEqual(['guestinfo.operator_token']);
    expect(settings.operatorToken).toBeUndefined();
    expect(check({ 'guestinfo.operator_token': '' }).settings.operatorToken).toBeNull();
  });

  it('never puts a password, or a proxy URL that may hold one, in a message', () => {
    const secret = 'hunter2\nsecond-line';
    const { problems, settings } = check({
      'guestinfo.root_password': secret,
      'guestinfo.operator_token': secret,
      'guestinfo.vcenter_url': 'https://vc', 'guestinfo.vcenter_username': 'u', 'guestinfo.vcenter_password': secret,
      'guestinfo.webhook_username': 'u', 'guestinfo.webhook_password': secret,
      'guestinfo.http_proxy': 'http://user:hunter2@proxy:3128/path',
    });
    expect(problems.map((p) => p.key).sort()).toEqual(['guestinfo.http_proxy', 'guestinfo.operator_token', 'guestinfo.root_password', 'guestinfo.vcenter_password', 'guestinfo.webhook_password']);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
    expect(settings.rootPassword).toBeUndefined();
    expect(settings.proxy).toBeUndefined();
  });

  it('a bad boolean keeps what it switches as it is', () => {
    const { settings, problems } = check({ 'guestinfo.enable_ssh': 'yes', 'guestinfo.debug': 'TRUE' });
    expect(problems.map((p) => `${p.label}: ${p.message}`)).toEqual(['Enable SSH: expected True or False, got "yes"; SSH stays as it is']);
    expect(settings.ssh).toBeUndefined();
    expect(settings.debug).toBe(true);
  });

  it('the proxy with its no-proxy list; blank proxy means none', () => {
    expect(check({ 'guestinfo.http_proxy': 'http://proxy:3128', 'guestinfo.no_proxy': '.corp, 10.0.0.0/8' }).settings.proxy).toEqual({ url: 'http://proxy:3128', noProxy: ['.corp', '10.0.0.0/8'] });
    expect(check({ 'guestinfo.no_proxy': '.corp' }).settings.proxy).toBeNull();
  });

  it('ignores keys that are not in the catalogue', () => {
    expect(check({ 'guestinfo.something_else': 'x', 'vami.ip0.Switchboard': '1.2.3.4' }).problems).toEqual([]);
  });
});
