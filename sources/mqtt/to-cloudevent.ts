// One MQTT PUBLISH → one event candidate, following the CloudEvents MQTT binding
// (cloudevents/bindings/mqtt-protocol-binding.md, 1.0.2) where the message is a CloudEvent:
//
//   Content Type application/cloudevents+json     → structured mode (3.2): the payload is the event.
//   a `specversion` User Property (MQTT 5)        → binary mode (3.1): User Properties are the
//                                                   attributes, Content Type is datacontenttype,
//                                                   the payload is data.
//   no Content Type, a JSON object with specversion → structured mode as MQTT 3.1.1 sends it
//                                                   (3.2.1: the JSON format is implied).
//
// Anything else is a plain message, wrapped into an event: subject the topic, data the
// parsed JSON when the payload is JSON, else text, else data_base64. No attribute is
// invented for a CloudEvent that arrived: validation (the intake's) refuses what is missing.

import { randomUUID } from 'node:crypto';
import type { EventCandidate } from '../source.js';
import { InvalidEventError, MalformedEventError } from '../../src/errors.js';
import { dataMemberNames } from '../../src/events/cloudevent.js';
import { declaresJson, parseMediaType, type MediaType } from '../../src/events/media-type.js';

/** What the source reads of a PUBLISH packet (MQTT 5 properties are absent under 3.1.1). */
export interface MqttMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly properties?: {
    readonly contentType?: string;
    /** MQTT 5 3.3.2.3.2: true when the sender declares the payload UTF-8 text. */
    readonly payloadFormatIndicator?: boolean;
    readonly userProperties?: Readonly<Record<string, string | readonly string[]>>;
  };
}

/** How a plain message becomes an event. */
export interface WrapOptions {
  readonly source: string;
  readonly type: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function messageToCandidate(message: MqttMessage, wrap: WrapOptions, now: () => Date = () => new Date()): EventCandidate {
  const contentType = message.properties?.contentType;
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (contentType !== undefined && !media) {
    throw new InvalidEventError(`Content Type ${JSON.stringify(contentType)} is not a media type (e.g. application/json)`);
  }
  if (media?.type === 'application' && media.subtype.startsWith('cloudevents')) return structured(message, contentType!, media);
  const userProperties = message.properties?.userProperties;
  if (userProperties?.['specversion'] !== undefined) return binary(message.payload, userProperties, contentType, media);
  return plain(message, wrap, contentType, media, now);
}

// 3.2: the whole event in the JSON event format, the only format supported (1.4).
function structured(message: MqttMessage, contentType: string, media: MediaType): EventCandidate {
  if (media.subtype !== 'cloudevents+json' || !isUtf8Charset(media)) {
    throw new InvalidEventError(`event format ${JSON.stringify(contentType)} is not supported; publish application/cloudevents+json`);
  }
  const event = parseJson(message.payload, message.topic);
  if (!isJsonObject(event)) {
    throw new InvalidEventError(`a structured-mode event is a JSON object, got ${Array.isArray(event) ? 'an array' : JSON.stringify(event)}`);
  }
  return event;
}

// 3.1: attributes from User Properties (names unchanged, canonical string values, 3.1.3).
function binary(
  payload: Buffer,
  userProperties: Readonly<Record<string, string | readonly string[]>>,
  contentType: string | undefined,
  media: MediaType | undefined,
): EventCandidate {
  // A null prototype so that a `__proto__` property lands as a key validation reports.
  const candidate = Object.create(null) as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(userProperties)) {
    if (dataMemberNames.has(name)) problems.push(`User Property ${name}: "${name}" is reserved and cannot be an attribute (spec.md "Naming Conventions")`);
    else if (typeof value !== 'string') problems.push(`User Property ${name}: sent ${value.length} times; an attribute appears at most once`);
    else candidate[name] = value;
  }
  if (problems.length > 0) throw new InvalidEventError(problems.join('; '));
  // 3.1.1: the Content Type property is datacontenttype; a datacontenttype User Property
  // (as the binding's own example also sends) stands in when it is absent.
  if (contentType !== undefined) candidate['datacontenttype'] = contentType;
  const declared = contentType === undefined && typeof candidate['datacontenttype'] === 'string' ? parseMediaType(candidate['datacontenttype']) : media;
  if (payload.length > 0) setDeclaredData(candidate, payload, declared);
  return candidate;
}

// json-format.md 3.1.1: JSON content becomes `data` itself, text a string, anything else —
// or no content type, which allows no assumption — data_base64.
function setDeclaredData(candidate: Record<string, unknown>, payload: Buffer, media: MediaType | undefined): void {
  if (media && declaresJson(media)) candidate['data'] = parseJson(payload, 'the payload');
  else if (media && isText(media) && isUtf8Charset(media)) candidate['data'] = decodeText(payload, 'the payload');
  else candidate['data_base64'] = payload.toString('base64');
}

function plain(message: MqttMessage, wrap: WrapOptions, contentType: string | undefined, media: MediaType | undefined, now: () => Date): EventCandidate {
  const candidate: Record<string, unknown> = {
    specversion: '1.0',
    // MQTT gives a message no identity that survives redelivery (the packet id is per
    // connection): a redelivered QoS 1 message is a second event (at-least-once).
    id: randomUUID(),
    source: wrap.source,
    type: wrap.type,
    subject: message.topic,
    time: now().toISOString(),
  };
  if (message.payload.length === 0) return contentType === undefined ? candidate : { ...candidate, datacontenttype: contentType };
  if (media) {
    candidate['datacontenttype'] = contentType;
    setDeclaredData(candidate, message.payload, media);
    return candidate;
  }
  const text = tryDecodeText(message.payload);
  if (text === undefined) {
    if (message.properties?.payloadFormatIndicator) {
      throw new MalformedEventError(`the payload on ${message.topic} is declared UTF-8 (Payload Format Indicator) but is not valid UTF-8`);
    }
    return { ...candidate, datacontenttype: 'application/octet-stream', data_base64: message.payload.toString('base64') };
  }
  const json = tryParseJson(text);
  if (json === undefined) return { ...candidate, datacontenttype: 'text/plain; charset=utf-8', data: text };
  // A JSON object with `specversion` is a structured event as MQTT 3.1.1 carries it (3.2.1).
  if (isJsonObject(json.value) && 'specversion' in json.value) return json.value;
  return { ...candidate, datacontenttype: 'application/json', data: json.value };
}

function parseJson(payload: Buffer, what: string): unknown {
  const parsed = tryParseJson(decodeText(payload, what));
  if (!parsed) throw new MalformedEventError(`${what} is not valid JSON`);
  return parsed.value;
}

function tryParseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function decodeText(payload: Buffer, what: string): string {
  const text = tryDecodeText(payload);
  if (text === undefined) throw new MalformedEventError(`${what} is not valid UTF-8 text`);
  return text;
}

function tryDecodeText(payload: Buffer): string | undefined {
  try {
    return utf8.decode(payload);
  } catch {
    return undefined;
  }
}

// Text-like media types whose data the JSON format carries as a string (json-format.md 3.1.1).
function isText(media: MediaType): boolean {
  return media.type === 'text' || media.subtype === 'xml' || media.subtype.endsWith('+xml');
}

function isUtf8Charset(media: MediaType): boolean {
  const charset = media.parameters.get('charset')?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
