// The cloudevents SDK against sources/webhook: what the SDK sends must be accepted, and the
// SDK parsing behaviours that made the webhook parse requests itself are pinned, so an SDK
// upgrade that fixes them shows up here (sources/webhook/parse-request.ts, header comment).

import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../sources/webhook/parse-request.js';
import { validateCloudEvent } from '../../src/events/validate.js';

const wrap = { source: '/switchboard/webhook/ops', type: 'com.switchboard.webhook.ops', copyHeaders: [] };

function receive(message: Message) {
  const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k.toLowerCase(), [String(v)]]));
  const body = typeof message.body === 'string' ? Buffer.from(message.body) : Buffer.from(message.body as Uint8Array);
  return validateCloudEvent(parseRequest({ headers, body }, wrap));
}

function sdkParse(headers: Record<string, string>, body: string): Record<string, unknown> {
  return { ...(HTTP.toEvent({ headers, body }) as CloudEvent) };
}

const attributes = { specversion: '1.0', id: 'A234', source: '/mycontext', type: 'com.example.someevent' } as const;

describe('events the cloudevents SDK sends', () => {
  const event = new CloudEvent({ ...attributes, subject: 'a subject', comexampleothervalue: 5, data: { a: 1 } });

  it('are accepted in binary mode', () => {
    expect(receive(HTTP.binary(event))).toEqual({
      ...attributes, subject: 'a subject', time: event.time, comexampleothervalue: '5',
      datacontenttype: 'application/json; charset=utf-8', data: { a: 1 },
    });
  });

  it('are accepted in structured mode', () => {
    expect(receive(HTTP.structured(event))).toEqual({ ...attributes, subject: 'a subject', time: event.time, comexampleothervalue: 5, data: { a: 1 } });
  });

  it('are accepted in binary mode with binary data', () => {
    const binary = new CloudEvent({ ...attributes, datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 1, 255]) });
    expect(receive(HTTP.binary(binary))).toMatchObject({ data_base64: 'AAH/' });
  });
});

describe('why the webhook does not parse with HTTP.toEvent (cloudevents 10)', () => {
  const structured = { 'content-type': 'application/cloudevents+json' };

  it('invents an id and a time for a structured event that has neither', () => {
    const parsed = sdkParse(structured, JSON.stringify({ specversion: '1.0', source: '/s', type: 't' }));
    expect(parsed['id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed['time']).toEqual(expect.any(String));
  });

  it('replaces an unparseable ce-time with the current time', () => {
    const parsed = sdkParse({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't', 'ce-time': '2024-13-01' }, '');
    expect(parsed['time']).not.toBe('2024-13-01');
  });

  it('drops data that is 0', () => {
    const parsed = sdkParse(structured, JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 't', data: 0 }));
    expect(parsed['data']).toBeUndefined();
  });

  it('reads the JSON body 123 as the string "123"', () => {
    const parsed = sdkParse({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't', 'content-type': 'application/json' }, '123');
    expect(parsed['data']).toBe('123');
  });

  it('does not percent-decode header values', () => {
    const parsed = sdkParse({ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't', 'ce-subject': 'a%20b' }, '');
    expect(parsed['subject']).toBe('a%20b');
  });

  it('refuses a structured event whose Content-Type has an upper-case charset', () => {
    expect(() => sdkParse({ 'content-type': 'application/cloudevents+json; charset=UTF-8' }, JSON.stringify(attributes))).toThrow();
  });
});
