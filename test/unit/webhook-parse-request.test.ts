import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from '../../sources/webhook/header-value.js';
import { parseRequest, UnsupportedMediaTypeError, type WrapOptions } from '../../sources/webhook/parse-request.js';
import { InvalidEventError, MalformedEventError } from '../../src/errors.js';

const wrap: WrapOptions = { source: '/switchboard/webhook/ops', type: 'com.switchboard.webhook.ops', copyHeaders: [] };
const ce = { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't' };

function parse(headers: Record<string, string | string[]>, body: string | Buffer = '') {
  const distinct = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  return { ...parseRequest({ headers: distinct, body: Buffer.isBuffer(body) ? body : Buffer.from(body) }, wrap) };
}
const failure = (run: () => unknown): Error => {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
};

describe('decodeHeaderValue (http-protocol-binding.md 3.1.3.2)', () => {
  it('decodes the spec example', () => {
    expect(decodeHeaderValue('Euro%20%E2%82%AC%20%F0%9F%98%80')).toBe('Euro € 😀');
  });
  it('accepts lower-case hex and unnecessarily encoded characters', () => {
    expect(decodeHeaderValue('%e2%82%ac%41')).toBe('€A');
  });
  it('unescapes double-quoted strings before percent-decoding, as older senders quote', () => {
    expect(decodeHeaderValue('"a \\"quoted\\" value"%21')).toBe('a "quoted" value!');
  });
  it('rejects the overlong encoding %C0%A0', () => {
    expect(() => decodeHeaderValue('%C0%A0')).toThrow('is not valid UTF-8');
  });
  it('rejects a percent sign without two hex digits', () => {
    expect(() => decodeHeaderValue('100%')).toThrow('"%" that is not followed by two hex digits');
  });
  it('rejects an unterminated quoted string', () => {
    expect(() => decodeHeaderValue('"open')).toThrow('unterminated');
  });
  it('reads raw UTF-8 bytes, which Node hands over as latin1', () => {
    expect(decodeHeaderValue(Buffer.from('café').toString('latin1'))).toBe('café');
  });
});

describe('parseRequest: binary mode', () => {
  it('keeps JSON numbers and booleans as JSON values, not strings', () => {
    expect(parse({ ...ce, 'content-type': 'application/json' }, '123').data).toBe(123);
    expect(parse({ ...ce, 'content-type': 'application/json' }, 'true').data).toBe(true);
  });
  it('parses data of any +json media type, with parameters, case-insensitively', () => {
    expect(parse({ ...ce, 'content-type': 'Application/LD+JSON;charset=utf-8' }, '{"a":1}').data).toEqual({ a: 1 });
  });
  it('carries XML as a string', () => {
    expect(parse({ ...ce, 'content-type': 'application/xml' }, '<much wow="xml"/>').data).toBe('<much wow="xml"/>');
  });
  it('keeps text in a charset other than UTF-8 as bytes', () => {
    expect(parse({ ...ce, 'content-type': 'text/plain; charset=iso-8859-1' }, Buffer.from([0xe9]))).toMatchObject({ data_base64: '6Q==' });
  });
  it('makes no assumption about a body without Content-Type (json-format.md 3.1.2)', () => {
    const event = parse(ce, '{ "xyz": 123 }');
    expect(event).toEqual({ specversion: '1.0', id: '1', source: '/s', type: 't', data_base64: 'eyAieHl6IjogMTIzIH0=' });
    expect('datacontenttype' in event).toBe(false);
  });
  it('reads an empty body as an event without data', () => {
    const event = parse({ ...ce, 'content-type': 'application/json' });
    expect('data' in event || 'data_base64' in event).toBe(false);
  });
  it('leaves a missing ce-specversion missing instead of assuming 1.0', () => {
    const { 'ce-specversion': _gone, ...headers } = ce;
    expect(parse(headers).specversion).toBeUndefined();
  });
  it('refuses ce-datacontenttype, which binary mode must not carry (3.1.1)', () => {
    const err = failure(() => parse({ ...ce, 'ce-datacontenttype': 'text/plain' }));
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch('ce-datacontenttype: must not be sent in binary mode');
  });
  it('refuses an attribute header sent twice', () => {
    expect(failure(() => parse({ ...ce, 'ce-subject': ['a', 'b'] })).message).toMatch('ce-subject: sent 2 times');
  });
  it('refuses ce-data, which would smuggle in the payload', () => {
    expect(failure(() => parse({ ...ce, 'ce-data': 'x' })).message).toMatch('ce-data: "data" is reserved');
  });
  it('keeps a ce-__proto__ header as a key validation can report', () => {
    expect(Object.keys(parse({ ...ce, 'ce-__proto__': 'x' }))).toContain('__proto__');
  });
  it('reports every undecodable header at once', () => {
    const err = failure(() => parse({ ...ce, 'ce-a': '%zz', 'ce-b': '%C0%A0' }));
    expect(err.message).toBe('ce-a: has a "%" that is not followed by two hex digits; ce-b: is not valid UTF-8 once percent-decoded');
  });
  it('refuses text that is not UTF-8 as malformed', () => {
    expect(failure(() => parse({ ...ce, 'content-type': 'text/plain' }, Buffer.from([0xff])))).toBeInstanceOf(MalformedEventError);
  });
});

describe('parseRequest: structured mode and plain JSON', () => {
  it('keeps falsy data such as 0 and false', () => {
    const body = (data: unknown) => JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 't', data });
    expect(parse({ 'content-type': 'application/cloudevents+json' }, body(0)).data).toBe(0);
    expect(parse({ 'content-type': 'application/cloudevents+json' }, body(false)).data).toBe(false);
  });
  it('refuses an event format other than JSON with 415', () => {
    expect(failure(() => parse({ 'content-type': 'application/cloudevents+avro' }, 'x'))).toBeInstanceOf(UnsupportedMediaTypeError);
  });
  it('refuses a structured body that is not a JSON object', () => {
    expect(failure(() => parse({ 'content-type': 'application/cloudevents+json' }, '[]')).message).toMatch('got an array');
  });
  it('takes an application/json body with a specversion member as a structured event, not as data', () => {
    const event = { specversion: '1.0', id: '1', source: '/s', type: 't' };
    expect(parse({ 'content-type': 'application/json' }, JSON.stringify(event))).toEqual(event);
  });
  it('wraps a JSON string body too', () => {
    expect(parse({ 'content-type': 'application/json' }, '"hi"')).toMatchObject({ type: wrap.type, data: 'hi' });
  });
});
