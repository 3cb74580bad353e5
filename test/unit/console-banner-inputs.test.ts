import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applianceUrls, fetchReadiness, gatherBannerInputs, parseReadiness, readOvfStatus,
} from '../../src/console/banner-inputs.js';
import { freePort } from '../helpers/appliance.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('192.0.2.10', 'IPv4'), nic('fe80::1', 'IPv6')],
  eth1: [nic('198.51.100.7', 'IPv4')],
};

const checks = [{ name: 'bus', ok: true, detail: 'connected' }, { name: 'source:webhook', ok: false, detail: 'cannot listen' }];

let dir: string;
let server: Server;
let serverUrl: string;
/** path → [status, body]; a path not here never answers. */
const answers = new Map<string, [number, string]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-banner-'));
  server = createServer((req, res) => {
    const answer = answers.get(req.url ?? '');
    if (answer) res.writeHead(answer[0], { 'content-type': 'application/json' }).end(answer[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('console banner inputs', () => {
  it('lists one URL per non-loopback IPv4 address on a wildcard listen, and the address itself otherwise', () => {
    expect(applianceUrls('0.0.0.0', 8080, interfaces)).toEqual(['http://192.0.2.10:8080/', 'http://198.51.100.7:8080/']);
    expect(applianceUrls('::', 8080, interfaces)).toEqual(['http://192.0.2.10:8080/', 'http://198.51.100.7:8080/']);
    expect(applianceUrls('0.0.0.0', 8080, { lo: interfaces.lo })).toEqual([]);
    expect(applianceUrls('192.0.2.10', 9000, interfaces)).toEqual(['http://192.0.2.10:9000/']);
    expect(applianceUrls('fd00::5', 9000, interfaces)).toEqual(['http://[fd00::5]:9000/']);
  });

  it("reads /readyz's 200 as ready and its 503 as not, with the checks; anything else is not a readiness", () => {
    expect(parseReadiness(200, JSON.stringify({ status: 'ready', checks: [checks[0]] }))).toEqual({ ready: true, checks: [checks[0]] });
    expect(parseReadiness(503, JSON.stringify({ status: 'not ready', checks }))).toEqual({ ready: false, checks });
    expect(parseReadiness(404, JSON.stringify({ checks }))).toBeUndefined();
    expect(parseReadiness(200, '<html>hello</html>')).toBeUndefined();
    expect(parseReadiness(200, JSON.stringify({ checks: [{ name: 'bus', ok: 'yes' }] }))).toBeUndefined();
  });

  it('gives up on /readyz after the timeout and says so', async () => {
    const started = Date.now();
    const result = await fetchReadiness(`${serverUrl}/hangs`, 300);
    expect(result).toEqual({ reason: 'no-answer', url: `${serverUrl}/hangs`, message: 'no answer within 0.3 s' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('says the connection was refused when nothing listens, and names another program answering', async () => {
    const port = await freePort();
    expect(await fetchReadiness(`http://127.0.0.1:${port}/readyz`, 1_000)).toMatchObject({ reason: 'no-answer', message: 'connection refused' });
    answers.set('/other', [404, 'not found']);
    expect(await fetchReadiness(`${serverUrl}/other`, 1_000)).toMatchObject({ reason: 'no-answer', message: expect.stringContaining('HTTP 404') });
  });

  it('reads the OVF status, says nothing without one, and reports one it cannot use', async () => {
    const file = join(dir, 'ovf-status.json');
    expect(await readOvfStatus(file)).toBeUndefined();
    const status = { appliedAt: '2025-01-01T00:00:00Z', transport: 'iso', problems: [{ key: 'guestinfo.dns', label: 'DNS servers', message: 'bad' }], changed: ['/etc/hosts'] };
    await writeFile(file, JSON.stringify(status));
    expect(await readOvfStatus(file)).toEqual({ file, status });
    await writeFile(file, '{"transport": "iso", "problems": ');
    expect(await readOvfStatus(file)).toEqual({ file, error: 'not valid JSON' });
    await writeFile(file, JSON.stringify({ transport: 'iso', problems: 'none' }));
    expect(await readOvfStatus(file)).toMatchObject({ file, error: expect.stringContaining('not an OVF status') });
  });

  it("asks the configured http.listen's /readyz and reads the package's version", async () => {
    answers.set('/readyz', [503, JSON.stringify({ status: 'not ready', checks })]);
    const config = join(dir, 'switchboard.yaml');
    await writeFile(config, `apiVersion: switchboard/v1\nhttp:\n  listen: ${serverUrl.replace('http://', '')}\n`);
    const inputs = await gatherBannerInputs({ configPath: config, ovfStatusFile: join(dir, 'absent.json') });
    expect(inputs.urls).toEqual([`${serverUrl}/`]);
    expect(inputs.readiness).toEqual({ ready: false, checks });
    expect(inputs.ovf).toBeUndefined();
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(inputs.version).toBe(version);
  });

  it('reports a configuration it cannot read with its error code, instead of failing', async () => {
    const config = join(dir, 'broken.yaml');
    await writeFile(config, 'apiVersion: switchboard/v1\nhttp:\n  listen: 42\n');
    const inputs = await gatherBannerInputs({ configPath: config, ovfStatusFile: join(dir, 'absent.json') });
    expect(inputs.urls).toEqual([]);
    expect(inputs.readiness).toMatchObject({ reason: 'config', code: expect.stringMatching(/^SB_CONFIG_/), message: expect.stringContaining('broken.yaml') });
  });
});
