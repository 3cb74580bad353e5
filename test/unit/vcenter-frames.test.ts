import { describe, expect, it } from 'vitest';
import { afterConnection } from '../../sources/vcenter/after-connection.js';
import { createEndpoint, streamUrl, upgradeHeaders } from '../../sources/vcenter/endpoint.js';
import { parseFrame, pongFrame } from '../../sources/vcenter/frames.js';

const trust = { rejectUnauthorized: true };

describe('server frames (contract section 2)', () => {
  it('reads hello, event, batch, gap and ping', () => {
    expect(parseFrame('{"kind":"hello","instanceUuid":"u-1","apiVersion":"8.0.3.0","oldestKey":10,"latestKey":3000000000}'))
      .toEqual({ kind: 'hello', instanceUuid: 'u-1', apiVersion: '8.0.3.0', oldestKey: 10, latestKey: 3000000000 });
    expect(parseFrame('{"kind":"event","event":{"Key":1}}')).toEqual({ kind: 'events', events: [{ Key: 1 }] });
    expect(parseFrame('{"kind":"batch","events":[{"Key":1},{"Key":2}]}')).toEqual({ kind: 'events', events: [{ Key: 1 }, { Key: 2 }] });
    expect(parseFrame('{"kind":"gap","requestedSince":5,"oldestKey":90}')).toEqual({ kind: 'gap', requestedSince: 5, oldestKey: 90 });
    expect(parseFrame('{"kind":"ping","time":"2026-02-11T21:28:23Z"}')).toEqual({ kind: 'ping' });
  });

  it('takes a hello whose oldestKey and latestKey are not keys (an empty server) without them', () => {
    expect(parseFrame('{"kind":"hello","instanceUuid":"u-1","apiVersion":"8.0","oldestKey":0,"latestKey":null}'))
      .toEqual({ kind: 'hello', instanceUuid: 'u-1', apiVersion: '8.0' });
  });

  it('ignores kinds it does not know, naming them', () => {
    expect(parseFrame('{"kind":"stats","events":3}')).toEqual({ kind: 'unknown', name: 'stats' });
  });

  it.each([
    ['not JSON', '{"kind":'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"hello"'],
    ['no kind', '{"event":{}}'],
    ['a numeric kind', '{"kind":3}'],
    ['a hello without instanceUuid', '{"kind":"hello","apiVersion":"8.0"}'],
    ['a hello with an empty instanceUuid', '{"kind":"hello","instanceUuid":"","apiVersion":"8.0"}'],
    ['a hello without apiVersion', '{"kind":"hello","instanceUuid":"u"}'],
    ['an event frame without event', '{"kind":"event"}'],
    ['an event frame whose event is an array', '{"kind":"event","event":[]}'],
    ['a batch whose events is an object', '{"kind":"batch","events":{}}'],
    ['a gap without oldestKey', '{"kind":"gap","requestedSince":5}'],
    ['a gap with a negative requestedSince', '{"kind":"gap","requestedSince":-1,"oldestKey":9}'],
    ['a gap with string keys', '{"kind":"gap","requestedSince":"5","oldestKey":"9"}'],
  ])('reports %s as malformed, without throwing', (_what, text) => {
    expect(parseFrame(text).kind).toBe('malformed');
  });

  it('answers with exactly the pong the contract names', () => {
    expect(JSON.parse(pongFrame)).toEqual({ kind: 'pong' });
  });
});

describe('endpoints (contract sections 1 and 2)', () => {
  it('derives wss from https and ws from http, keeping a base path', () => {
    expect(streamUrl('https://vc.example', undefined).href).toBe('wss://vc.example/sdk/events/ws');
    expect(streamUrl('http://vc.example:8080/', 42).href).toBe('ws://vc.example:8080/sdk/events/ws?since=42');
    expect(streamUrl('https://proxy.example/vc-lab/', 3_000_000_000).href).toBe('wss://proxy.example/vc-lab/sdk/events/ws?since=3000000000');
  });

  it('logs in at {base}/api/session with basic credentials', () => {
    const endpoint = createEndpoint('https://vc.example/', 'administrator@vsphere.local', 'VMware1!', 'session', trust);
    expect(endpoint.sessionUrl.href).toBe('https://vc.example/api/session');
    expect(endpoint.basicAuthorization).toBe(`Basic ${Buffer.from('administrator@vsphere.local:VMware1!').toString('base64')}`);
  });

  it('authenticates the upgrade with the session id, or with basic credentials', () => {
    const session = createEndpoint('https://vc.example', 'u', 'p', 'session', trust);
    expect(upgradeHeaders(session, 'b00e3b0c')).toEqual({ 'vmware-api-session-id': 'b00e3b0c' });
    const basic = createEndpoint('https://vc.example', 'u', 'p', 'basic', trust);
    expect(upgradeHeaders(basic, undefined)).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  });
});

describe('what a connection end means (contract close codes)', () => {
  const closed = (code: number, reason = '') => ({ end: { kind: 'closed' as const, code, reason } });

  it('logs in again after 4001 with session authentication, not otherwise', () => {
    expect(afterConnection(closed(4001), 'session', 5).relogin).toBe(true);
    expect(afterConnection(closed(4001), 'basic', 5).relogin).toBe(false);
    expect(afterConnection({ end: { kind: 'refused', status: 401 } }, 'session', 5).relogin).toBe(true);
    for (const code of [1000, 1001, 1006, 1011, 4400]) expect(afterConnection(closed(code), 'session', 5).relogin).toBe(false);
  });

  it('reports 4400 as an error naming the since that was sent', () => {
    const next = afterConnection(closed(4400, 'since must be a key'), 'session', 3_000_000_000);
    expect(next.level).toBe('error');
    expect(next.detail).toContain('since=3000000000');
    expect(next.detail).toContain('since must be a key');
  });

  it('tells refused basic credentials apart from a dropped stream', () => {
    expect(afterConnection({ end: { kind: 'refused', status: 401 } }, 'basic', undefined).detail).toMatch(/credentials refused/);
    expect(afterConnection(closed(1006), 'basic', undefined).detail).toMatch(/dropped \(1006\)/);
    expect(afterConnection({ ...closed(1011), closedBecause: 'bus', problem: 'no ack' }, 'basic', 1).detail).toMatch(/event bus unavailable/);
  });
});
