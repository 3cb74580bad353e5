import { describe, expect, it } from 'vitest';
import { messageToCandidate, type MqttMessage } from '../../sources/mqtt/to-cloudevent.js';
import { InvalidEventError, MalformedEventError } from '../../src/errors.js';
import { validateCloudEvent } from '../../src/events/validate.js';

const wrap = { source: 'mqtt://broker.lab:1883', type: 'com.switchboard.mqtt.message' };
const at = new Date('2026-03-01T12:00:00.000Z');
type Published = Omit<Partial<MqttMessage>, 'payload'> & { payload: Buffer | string };
const convert = (message: Published) =>
  messageToCandidate({ topic: 'plant/boiler', ...message, payload: Buffer.from(message.payload) }, wrap, () => at);
// What the intake stores: the candidate validated.
const event = (message: Published) => validateCloudEvent(convert(message));

describe('a plain MQTT message becomes a CloudEvent', () => {
  it('with the topic as subject, the broker as source, and a fresh id', () => {
    const e = event({ payload: '{"celsius":81.5}' });
    expect(e).toEqual({
      specversion: '1.0', id: expect.stringMatching(/^[0-9a-f-]{36}$/), source: 'mqtt://broker.lab:1883', type: 'com.switchboard.mqtt.message',
      subject: 'plant/boiler', time: '2026-03-01T12:00:00.000Z', datacontenttype: 'application/json', data: { celsius: 81.5 },
    });
    expect(event({ payload: '{}' }).id).not.toBe(e.id);
  });

  it.each([
    ['a JSON number', '23.5', 'application/json', 23.5],
    ['a JSON string', '"on"', 'application/json', 'on'],
    ['a JSON array', '[1,2]', 'application/json', [1, 2]],
    ['text', 'pressure high', 'text/plain; charset=utf-8', 'pressure high'],
    ['text that merely starts like JSON', '{not json', 'text/plain; charset=utf-8', '{not json'],
  ])('carries %s as data with its content type', (_, payload, contentType, data) => {
    expect(event({ payload })).toMatchObject({ datacontenttype: contentType, data });
  });

  it('carries bytes that are not UTF-8 as data_base64', () => {
    expect(event({ payload: Buffer.from([0xff, 0x00, 0xfe]) })).toMatchObject({ datacontenttype: 'application/octet-stream', data_base64: '/wD+' });
  });

  it('carries an empty payload as an event without data', () => {
    const e = event({ payload: '' });
    expect(e).not.toHaveProperty('data');
    expect(e).not.toHaveProperty('datacontenttype');
  });

  it('honours an MQTT 5 Content Type', () => {
    expect(event({ payload: '<r/>', properties: { contentType: 'application/xml' } })).toMatchObject({ datacontenttype: 'application/xml', data: '<r/>' });
    expect(event({ payload: '42', properties: { contentType: 'text/plain' } })).toMatchObject({ datacontenttype: 'text/plain', data: '42' });
    expect(event({ payload: Buffer.from([1, 2]), properties: { contentType: 'image/png' } })).toMatchObject({ datacontenttype: 'image/png', data_base64: 'AQI=' });
  });

  it('refuses a payload declared JSON that is not, and one declared UTF-8 that is not', () => {
    expect(() => convert({ payload: '{oops', properties: { contentType: 'application/json' } })).toThrow(MalformedEventError);
    expect(() => convert({ payload: Buffer.from([0xff]), properties: { payloadFormatIndicator: true } })).toThrow(MalformedEventError);
  });

  it('refuses a Content Type that is no media type', () => {
    expect(() => convert({ payload: 'x', properties: { contentType: 'json' } })).toThrow(InvalidEventError);
  });
});

describe('a CloudEvent published over MQTT is taken as it is (CloudEvents MQTT binding)', () => {
  const attributes = { specversion: '1.0', id: 'evt-1', source: '/vcenter/lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' };

  it('in MQTT 5 binary mode: User Properties are the attributes, Content Type is datacontenttype (3.1)', () => {
    expect(event({
      payload: '{"Vm":{"Name":"web-01"}}',
      properties: { contentType: 'application/json', userProperties: { ...attributes, subject: 'web-01', traceparent: '00-ab-cd-01' } },
    })).toEqual({ ...attributes, subject: 'web-01', traceparent: '00-ab-cd-01', datacontenttype: 'application/json', data: { Vm: { Name: 'web-01' } } });
  });

  it('in binary mode without Content Type: the payload is data_base64, or read by a datacontenttype User Property', () => {
    expect(event({ payload: 'abc', properties: { userProperties: attributes } })).toEqual({ ...attributes, data_base64: 'YWJj' });
    expect(event({ payload: 'abc', properties: { userProperties: { ...attributes, datacontenttype: 'text/plain' } } }))
      .toEqual({ ...attributes, datacontenttype: 'text/plain', data: 'abc' });
  });

  it('in binary mode, invents nothing: a missing id is refused by validation', () => {
    const { id: _, ...withoutId } = attributes;
    expect(() => event({ payload: '', properties: { userProperties: withoutId } })).toThrow(/id: required, missing/);
  });

  it('in binary mode, refuses a repeated User Property and one named data', () => {
    expect(() => convert({ payload: '', properties: { userProperties: { ...attributes, source: ['/a', '/b'] } } })).toThrow(/sent 2 times/);
    expect(() => convert({ payload: '', properties: { userProperties: { ...attributes, data: 'x' } } })).toThrow(/reserved/);
  });

  it('in structured mode with Content Type application/cloudevents+json (3.2)', () => {
    const structured = { ...attributes, data: { Vm: { Name: 'db-02' } } };
    expect(event({ payload: JSON.stringify(structured), properties: { contentType: 'application/cloudevents+json; charset=utf-8' } })).toEqual(structured);
  });

  it('in structured mode as MQTT 3.1.1 sends it: a JSON object with specversion and no Content Type (3.2.1)', () => {
    expect(event({ payload: JSON.stringify({ ...attributes, data: 1 }) })).toEqual({ ...attributes, data: 1 });
  });

  it('refuses an event format other than JSON, and a batch', () => {
    expect(() => convert({ payload: 'x', properties: { contentType: 'application/cloudevents+avro' } })).toThrow(/not supported/);
    expect(() => convert({ payload: '[]', properties: { contentType: 'application/cloudevents-batch+json' } })).toThrow(/not supported/);
  });

  it('refuses a structured event that is not a JSON object', () => {
    expect(() => convert({ payload: '[1]', properties: { contentType: 'application/cloudevents+json' } })).toThrow(InvalidEventError);
  });
});
