import { describe, expect, it } from 'vitest';
import { renderBanner, type BannerInputs, type OvfStatus } from '../../src/console/banner.js';

const ready: BannerInputs = {
  version: '1.2.3',
  hostname: 'switchboard',
  urls: ['http://192.0.2.10:8080/', 'http://198.51.100.7:8080/'],
  port: 8080,
  readiness: {
    ready: true,
    checks: [
      { name: 'bus', ok: true, detail: 'connected' },
      { name: 'router', ok: true, detail: '2/2 subscription consumers running' },
      { name: 'source:webhook', ok: true, detail: 'running' },
      { name: 'source:vcenter', ok: true, detail: 'running' },
      { name: 'reload', ok: true, detail: 'watching 3 folders; last reload 2025-01-01T00:00:00.000Z: applied' },
    ],
  },
};

const ovf = (status: Partial<OvfStatus>): BannerInputs['ovf'] => ({
  file: '/run/switchboard/ovf-status.json',
  status: { appliedAt: '2025-01-01T00:00:00Z', transport: 'vmware-tools', problems: [], changed: [], ...status },
});

/** What the console shows: agetty turns `\\` back into `\`. */
const shown = (text: string) => text.replaceAll('\\\\', '\\');
/** Its lines as the terminal shows them (the text ends with a newline). */
const lines = (text: string) => shown(text).replace(/\n$/, '').split('\n');
/** The text with its line breaks and padding collapsed: a long reason may wrap onto a second line. */
const flat = (text: string) => shown(text).replace(/\s+/g, ' ');

describe('console banner', () => {
  it('shows the version, every URL and each healthy check when the appliance is ready', () => {
    const text = renderBanner(ready);
    expect(text).toContain('Switchboard 1.2.3 on switchboard');
    expect(text).toMatch(/URL: +http:\/\/192\.0\.2\.10:8080\/\n +http:\/\/198\.51\.100\.7:8080\/\n/);
    expect(text).toMatch(/Status: +ready\n/);
    expect(text).toMatch(/^ +ok +bus +connected$/m);
    expect(text).toMatch(/^ +ok +source:webhook +running$/m);
    expect(text).toMatch(/^ +ok +source:vcenter +running$/m);
    expect(text).not.toContain('FAIL');
    // Healthy router and reload checks are noise here; the reload's timestamp would also make
    // agetty redraw (and clear tty1) every time it changes.
    expect(text).not.toContain('router');
    expect(text).not.toContain('reload');
    expect(text).not.toContain('OVF');
    expect(text).toMatch(/\n {2}Logs: +journalctl -u switchboard\n\n$/);
  });

  it('names the failing source and its reason, and says the appliance is not ready', () => {
    const text = renderBanner({
      ...ready,
      readiness: {
        ready: false,
        checks: [
          { name: 'bus', ok: true, detail: 'connected' },
          { name: 'router', ok: false, detail: '1/2 subscription consumers running; consumer "orders" missing' },
          { name: 'source:webhook', ok: true, detail: 'running' },
          { name: 'source:vcenter', ok: false, detail: 'cannot log in to https://vc.example.com: 401 Unauthorized' },
        ],
      },
    });
    expect(text).toMatch(/Status: +NOT READY\n/);
    expect(flat(text)).toContain(' FAIL source:vcenter cannot log in to https://vc.example.com: 401 Unauthorized ');
    expect(text).toMatch(/^ +ok +source:webhook +running$/m);
    expect(text).toMatch(/^ +FAIL +router +1\/2 subscription consumers running/m);
  });

  it('says when the appliance does not answer, and where to look', () => {
    const text = renderBanner({
      ...ready,
      readiness: { reason: 'no-answer', url: 'http://127.0.0.1:8080/readyz', message: 'connection refused' },
    });
    expect(text).toMatch(/Status: +NOT ANSWERING at http:\/\/127\.0\.0\.1:8080\/readyz\n/);
    expect(text).toContain('connection refused');
    expect(text).toMatch(/If this stays, see why: journalctl -u switchboard\n/);
    expect(text.match(/journalctl/g)).toHaveLength(1);
    expect(text).not.toMatch(/\bok\b|FAIL/);
    // The URLs are still where it will answer once it runs.
    expect(text).toContain('http://192.0.2.10:8080/');
  });

  it('shows a configuration problem with its code and how to check it', () => {
    const text = renderBanner({
      ...ready,
      urls: [],
      readiness: { reason: 'config', code: 'SB_CONFIG_INVALID', message: '/etc/switchboard/switchboard.yaml:9:3 http.listen: expected host:port' },
    });
    expect(text).toMatch(/Status: +CONFIGURATION PROBLEM \(SB_CONFIG_INVALID\)\n/);
    expect(flat(text)).toContain(' /etc/switchboard/switchboard.yaml:9:3 http.listen: expected host:port ');
    expect(text).toContain('switchboard validate');
    expect(text).not.toContain('URL:');
  });

  it('says there is no address yet when the machine has no IPv4 address', () => {
    const text = renderBanner({ ...ready, urls: [] });
    expect(text).toMatch(/URL: +no IPv4 address yet.*port 8080/);
  });

  it("lists the OVF properties this boot could not apply, with their labels and keys", () => {
    const text = renderBanner({
      ...ready,
      ovf: ovf({
        problems: [
          { key: 'guestinfo.ipaddress', label: 'IP address', message: 'not an IPv4 address: "10.0.0"' },
          { key: 'guestinfo.ntp', label: 'NTP servers', message: 'not a host name: "ntp..example"' },
        ],
      }),
    });
    expect(text).toMatch(/OVF: +2 properties from VMware Tools not applied:\n/);
    expect(text).toMatch(/^ +IP address \(guestinfo\.ipaddress\): not an IPv4 address: "10\.0\.0"$/m);
    expect(text).toMatch(/^ +NTP servers \(guestinfo\.ntp\): not a host name: "ntp\.\.example"$/m);
  });

  it('keeps a long OVF problem list short and says where the rest is', () => {
    const problems = Array.from({ length: 7 }, (_, i) => ({ key: `guestinfo.k${i}`, label: `Key ${i}`, message: 'bad' }));
    const text = renderBanner({ ...ready, ovf: ovf({ problems }) });
    expect(text).toContain('Key 2 (guestinfo.k2)');
    expect(text).not.toContain('Key 3 (guestinfo.k3)');
    expect(text).toContain('and 4 more in /run/switchboard/ovf-status.json');
  });

  it('says the OVF properties applied cleanly, and nothing when there was no OVF environment', () => {
    expect(renderBanner({ ...ready, ovf: ovf({ changed: ['/etc/hostname'] }) })).toMatch(/OVF: +properties from VMware Tools applied, no problems/);
    expect(renderBanner({ ...ready, ovf: ovf({ transport: 'none' }) })).not.toContain('OVF');
    expect(renderBanner({ ...ready, ovf: { file: '/run/switchboard/ovf-status.json', error: 'EACCES' } }))
      .toMatch(/OVF: +cannot read \/run\/switchboard\/ovf-status\.json: EACCES/);
  });

  it('doubles every backslash of a dynamic value, so agetty prints it instead of expanding an escape', () => {
    const text = renderBanner({
      ...ready,
      hostname: 'host\\n',
      readiness: { ready: false, checks: [{ name: 'source:share', ok: false, detail: 'cannot open \\\\fs01\\events\\l: denied' }] },
      ovf: ovf({ problems: [{ key: 'guestinfo.vcenter_username', label: 'vCenter user', message: 'DOMAIN\\svc is not allowed' }] }),
    });
    // No lone backslash: each is doubled, so `\n` (host name), `\l` (tty) and `\4` never reach agetty.
    expect(text.replaceAll('\\\\', '')).not.toContain('\\');
    expect(text).toContain('host\\\\n');
    expect(shown(text)).toContain('cannot open \\\\fs01\\events\\l: denied');
    expect(shown(text)).toContain('DOMAIN\\svc is not allowed');
  });

  it('keeps control characters of a dynamic value out of the terminal', () => {
    const text = renderBanner({
      ...ready,
      readiness: { ready: false, checks: [{ name: 'source:mqtt', ok: false, detail: 'broker said:\n\u001b[2J\u001b[31mgo away\r\u0007' }] },
    });
    expect(text.replaceAll('\n', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toMatch(/^ +FAIL +source:mqtt +broker said: \[2J \[31mgo away$/m);
  });

  it('fits every line in 79 columns and the whole banner in 20 lines, however much there is to say', () => {
    const long = 'x'.repeat(200);
    const text = renderBanner({
      version: '1.2.3-' + long,
      hostname: long,
      urls: Array.from({ length: 6 }, (_, i) => `http://10.0.0.${i}:8080/`),
      port: 8080,
      readiness: {
        ready: false,
        checks: [
          { name: 'bus', ok: false, detail: `not connected to NATS ${long}` },
          ...Array.from({ length: 12 }, (_, i) => ({ name: `source:${long.slice(0, 10 + i)}`, ok: i % 3 !== 0, detail: long })),
        ],
      },
      ovf: ovf({ problems: Array.from({ length: 9 }, (_, i) => ({ key: `guestinfo.${long}`, label: `L${i}`, message: long })) }),
    });
    // 79: a terminal without deferred wrap would follow an 80-character line with a blank one.
    for (const line of lines(text)) expect([...line].length).toBeLessThanOrEqual(79);
    expect(lines(text).length).toBeLessThanOrEqual(20);
    expect(text).toContain('http://10.0.0.1:8080/ (and 4 more)');
    expect(text).not.toContain('http://10.0.0.2:8080/');
    // Failing checks are kept when some must be left out.
    expect(text.match(/FAIL/g)?.length).toBe(4);
    expect(text).toContain('and 9 more, 1 failing: see /readyz');
    expect(text).toMatch(/\.\.\.$/m);
  });

  it('stays within 15 lines for a ready appliance with a few sources and OVF problems', () => {
    const text = renderBanner({
      ...ready,
      ovf: ovf({ problems: [{ key: 'guestinfo.dns', label: 'DNS servers', message: 'not an IPv4 address: "x"' }] }),
    });
    expect(lines(text).length).toBeLessThanOrEqual(15);
    expect(text.endsWith('\n')).toBe(true);
  });
});
