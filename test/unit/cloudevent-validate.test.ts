import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../src/errors.js';
import { isValidatedCloudEvent, maxDataDepth, validateCloudEvent } from '../../src/events/validate.js';

const minimal = { specversion: '1.0', id: 'A234-1234-1234', source: '/mycontext', type: 'com.example.someevent' };

function problemsOf(candidate: Record<string, unknown>): string {
  try {
    validateCloudEvent(candidate);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).code).toBe('SB_EVENT_INVALID');
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(candidate)} to be rejected`);
}

const accepts = (extra: Record<string, unknown>) => () => {
  expect(() => validateCloudEvent({ ...minimal, ...extra })).not.toThrow();
};
const rejects = (extra: Record<string, unknown>, problem: RegExp | string) => () => {
  expect(problemsOf({ ...minimal, ...extra })).toMatch(problem);
};

describe('validateCloudEvent: the record it returns', () => {
  it('returns the spec example event in the JSON format shape, frozen', () => {
    const example = {
      specversion: '1.0', type: 'com.github.pull_request.opened', source: 'https://github.com/cloudevents/spec/pull',
      subject: '123', id: 'A234-1234-1234', time: '2018-04-05T17:31:00Z', comexampleextension1: 'value',
      comexampleothervalue: 5, datacontenttype: 'text/xml', data: '<much wow="xml"/>',
    };
    const record = validateCloudEvent(example);
    expect(record).toEqual(example);
    expect(record).not.toBe(example);
    expect(Object.isFrozen(record)).toBe(true);
  });

  it('deep-freezes JSON data so no consumer can change what was validated', () => {
    const record = validateCloudEvent({ ...minimal, data: { list: [{ a: 1 }] } });
    const data = record.data as { list: Array<{ a: number }> };
    expect(Object.isFrozen(data) && Object.isFrozen(data.list) && Object.isFrozen(data.list[0])).toBe(true);
  });

  it('treats null attributes as unset but keeps an explicit null payload (json-format.md 2.2, 3.1.1)', () => {
    const record = validateCloudEvent({ ...minimal, subject: null, time: null, unsetextension: null, data: null });
    expect(record).toEqual({ ...minimal, data: null });
    expect('subject' in record || 'unsetextension' in record).toBe(false);
  });

  it('returns an already validated record as is, and brands only what it returned', () => {
    const record = validateCloudEvent({ ...minimal });
    expect(validateCloudEvent(record as Record<string, unknown>)).toBe(record);
    expect(isValidatedCloudEvent(record)).toBe(true);
    expect(isValidatedCloudEvent({ ...record })).toBe(false);
  });

  it('lists every problem in one error', () => {
    const message = problemsOf({ specversion: '1.0', source: '/s', type: 't', time: 'yesterday' });
    expect(message).toBe('id: required, missing; time: "yesterday" is not an RFC 3339 timestamp');
  });
});

describe('validateCloudEvent: required attributes (spec.md "REQUIRED Attributes")', () => {
  it('rejects a missing specversion', rejects({ specversion: undefined }, 'specversion: required, missing'));
  it('rejects a specversion other than "1.0"', rejects({ specversion: '0.3' }, 'specversion: "0.3" is not supported'));
  it('rejects a numeric specversion', rejects({ specversion: 1.0 }, 'specversion: expected a string, got number 1'));
  it('rejects an empty id', rejects({ id: '' }, 'id: must not be empty'));
  it('rejects a non-string id', rejects({ id: 42 }, 'id: expected a string, got number 42'));
  it('rejects a null id as missing', rejects({ id: null }, 'id: required, missing'));
  it('rejects a missing type', rejects({ type: undefined }, 'type: required, missing'));
  it('rejects an empty type', rejects({ type: '' }, 'type: must not be empty'));
  it('rejects a missing source', rejects({ source: undefined }, 'source: required, missing'));

  it.each(['https://github.com/cloudevents', 'mailto:cncf-wg-serverless@lists.cncf.io',
    'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66', '/cloudevents/spec/pull/123', '/sensors/tn-1234567/alerts',
    '1-555-123-4567', 'http://[::1]:8080/x?q=1#frag', '//host/path', 'file:///var/log'])(
    'accepts the URI-reference %s as source', (source) => accepts({ source })(),
  );
  it.each([['a space', '/my context'], ['a bad percent-encoding', '/a%zz'], ['a non-ASCII character', '/caf\u00e9'],
    ['a colon in the first segment of a relative reference', '1-555:123'], ['a second fragment', '/a#b#c']])(
    'rejects a source with %s', (_what, source) => rejects({ source }, 'is not a URI-reference')(),
  );
  it('rejects an empty source', rejects({ source: '' }, 'source: must not be empty'));
});

describe('validateCloudEvent: optional attributes (spec.md "OPTIONAL Attributes")', () => {
  it('rejects an empty subject', rejects({ subject: '' }, 'subject: must not be empty'));

  it.each(['2018-04-05T17:31:00Z', '1985-04-12T23:20:50.52Z', '1996-12-19T16:39:57-08:00', '1990-12-31T23:59:60Z',
    '2024-02-29T00:00:00+14:00', '2018-04-05t17:31:00z', '2018-04-05T17:31:00.123456789Z'])(
    'accepts the RFC 3339 timestamp %s', (time) => accepts({ time })(),
  );
  it.each(['yesterday', '2024-13-01', '2024-13-01T00:00:00Z', '2024-01-01T00:00:00', '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z',
    '2024-01-01T00:00:00+2:00', '2024-01-01T00:00:00+24:00', '2024-01-01', '1712345678'])(
    'rejects the time %s', (time) => rejects({ time }, `time: ${JSON.stringify(time)} is not an RFC 3339 timestamp`)(),
  );

  it.each(['application/json', 'text/plain; charset=utf-8', 'TEXT/Plain; CharSet=utf-8', 'application/cloudevents+json',
    'multipart/form-data; boundary="a b;c"', 'application/vnd.apache.thrift.binary', 'text/plain;charset=utf-8'])(
    'accepts the media type %s as datacontenttype', (datacontenttype) => accepts({ datacontenttype, data: 'x' })(),
  );
  it.each(['json', 'text/', '/plain', 'text/plain;', 'application/json charset=utf-8', 'text/plain; charset',
    'text/pl ain', 'text/plain; charset="unterminated', ''])(
    'rejects the datacontenttype %j', (datacontenttype) => rejects({ datacontenttype }, /^datacontenttype: .* is not an RFC 2046 media type/)(),
  );

  it.each(['https://example.com/schemas/order.json', 'urn:example:schema:v1', 'https://example.com/s?v=2'])(
    'accepts the absolute URI %s as dataschema', (dataschema) => accepts({ dataschema })(),
  );
  it.each([['a relative reference', '/schemas/order.json'], ['a fragment', 'https://example.com/s.json#'],
    ['an empty string', ''], ['a space', 'https://example.com/a b']])(
    'rejects a dataschema that is %s', (_what, dataschema) => rejects({ dataschema }, 'is not an absolute URI')(),
  );
});

describe('validateCloudEvent: the String type (spec.md "Type System")', () => {
  it('rejects a control character in id', rejects({ id: 'a\nb' }, 'id: contains U+000A'));
  it('rejects a C1 control character in type', rejects({ type: 'a\u0085b' }, 'type: contains U+0085'));
  it('rejects an unpaired surrogate in subject', rejects({ subject: 'x\uDEAD' }, 'subject: contains U+DEAD'));
  it('rejects a noncharacter in an extension value', rejects({ myext: 'x\uFFFE' }, 'myext: contains U+FFFE'));
  it('accepts a properly paired surrogate', accepts({ subject: 'grin \uD83D\uDE00' }));
});

describe('validateCloudEvent: extension attributes (spec.md "Extension Context Attributes")', () => {
  it('accepts lower-case alphanumeric names, even past the SHOULD limit of 20 characters or starting with a digit',
    accepts({ comexampleextension1: 'v', averyveryverylongextensionname: 'v', '1st': 'v' }));
  it.each(['myExt', 'my_ext', 'my-ext', 'ext!'])('rejects the extension name %s', (name) =>
    rejects({ [name]: 'v' }, `${JSON.stringify(name)}: attribute names must consist of lower-case letters a-z and digits 0-9`)(),
  );
  it('accepts String, Boolean and Integer values at the 32-bit bounds',
    accepts({ s: 'v', b: false, lo: -2_147_483_648, hi: 2_147_483_647 }));
  it('rejects an integer above the signed 32-bit range', rejects({ big: 2_147_483_648 }, 'big: 2147483648 is not an Integer'));
  it('rejects an integer below the signed 32-bit range', rejects({ small: -2_147_483_649 }, 'small: -2147483649 is not an Integer'));
  it('rejects a fractional number', rejects({ ratio: 1.5 }, 'ratio: 1.5 is not an Integer'));
  it('rejects an object value', rejects({ obj: { a: 1 } }, 'obj: expected a String, Boolean or Integer, got an object'));
  it('rejects an array value', rejects({ arr: [1] }, 'arr: expected a String, Boolean or Integer, got an array'));
});

describe('validateCloudEvent: data and data_base64 (json-format.md 3.1)', () => {
  it('rejects data and data_base64 together', rejects({ data: 1, data_base64: 'AAH/' }, 'data, data_base64: both present'));
  it.each(['', 'AAH/', 'eyAieHl6IjogMTIzIH0=', 'YQ=='])('accepts the base64 %j', (data_base64) => accepts({ data_base64 })());
  it.each(['AAH', 'A===', 'AA H/', 'AAH/\nAAH/', '_-8=', 'YQ'])('rejects the base64 %j', (data_base64) =>
    rejects({ data_base64 }, 'data_base64: is not valid base64')(),
  );
  it('rejects a non-string data_base64', rejects({ data_base64: null }, 'data_base64: expected a base64 string, got null'));
  it.each([[{ a: [1, 'x', null, true] }], [1.5], ['a JSON string'], [[]], [false]])(
    'accepts the JSON value %j as data with no datacontenttype', (data) => accepts({ data })(),
  );
  it('accepts JSON data for a +json media type', accepts({ datacontenttype: 'application/ld+json', data: { a: 1 } }));
  it('accepts string data for a non-JSON media type', accepts({ datacontenttype: 'text/xml', data: '<a/>' }));
  it('rejects non-string data for a non-JSON media type',
    rejects({ datacontenttype: 'text/plain', data: { a: 1 } }, 'data: must be a string when datacontenttype text/plain does not declare JSON'));
  it('rejects binary data outside data_base64', rejects({ data: new Uint8Array([1]) }, 'data: holds a Uint8Array'));
  it('rejects a number JSON cannot hold', rejects({ data: { n: Number.NaN } }, 'data: holds NaN'));
  it('rejects a function in data', rejects({ data: [() => 1] }, 'data: holds a function'));
  it('rejects data that refers to itself', () => {
    const data: Record<string, unknown> = {};
    data['self'] = data;
    expect(problemsOf({ ...minimal, data })).toMatch('data: refers to itself');
  });
  it('rejects data nested deeper than the limit, before JSON.stringify would overflow the stack', () => {
    const deep = JSON.parse('['.repeat(maxDataDepth + 1) + ']'.repeat(maxDataDepth + 1)) as unknown;
    expect(problemsOf({ ...minimal, data: deep })).toMatch(`data: is nested deeper than ${maxDataDepth} levels`);
    const ok = JSON.parse('['.repeat(maxDataDepth) + ']'.repeat(maxDataDepth)) as unknown;
    expect(() => validateCloudEvent({ ...minimal, data: ok })).not.toThrow();
  });
});
