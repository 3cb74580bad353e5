// Turns one HTTP request into an event candidate (the JSON event format shape), per
// http-protocol-binding.md 3: structured mode (3.2), binary mode (3.1), and — for senders
// that know nothing of CloudEvents — a plain JSON body wrapped into an event.
//
// Why not the cloudevents SDK's HTTP.toEvent: v10 "fixes" exactly what strict validation
// must refuse (it invents a missing id and time, replaces an unparseable time with now,
// defaults a missing ce-specversion to 1.0, drops falsy `data` such as 0 or false, turns
// data_base64 into a Uint32Array, reads body `123` as the string "123", accepts
// ce-datacontenttype, does no percent-decoding, and refuses
// `application/cloudevents+json; charset=UTF-8`). Detecting each of those from the raw
// request would mean parsing the request twice; the binding is small, so it is done here
// once, exactly. test/unit/webhook-sdk.test.ts pins those SDK behaviours.

import { randomUUID } from 'node:crypto';
import type { EventCandidate } from '../source.js';
import { InvalidEventError, MalformedEventError } from '../../src/errors.js';
import { dataMemberNames } from '../../src/events/cloudevent.js';
import { declaresJson, parseMediaType, type MediaType } from '../../src/events/media-type.js';
import { decodeHeaderValue } from './header-value.js';

/** The Content-Type names a format this receiver cannot read: HTTP 415. */
export class UnsupportedMediaTypeError extends MalformedEventError {}

export interface WebhookRequest {
  /** Values by lower-cased name, one per occurrence (IncomingMessage.headersDistinct). */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
}

/** How a plain JSON body becomes an event. */
export interface WrapOptions {
  readonly source: string;
  readonly type: string;
  readonly copyHeaders: ReadonlyArray<{ readonly header: string; readonly extension: string }>;
  /** Lower-cased header whose value becomes the event id (a delivery id), if sent. */
  readonly idHeader?: string;
}

// 3.1.3: the REQUIRED attributes' headers; any of them present means the sender meant a
// binary-mode event, so a missing one is reported rather than the request being wrapped.
const binaryModeHeaders = ['ce-specversion', 'ce-id', 'ce-source', 'ce-type'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseRequest(request: WebhookRequest, wrap: WrapOptions): EventCandidate {
  const contentType = request.headers['content-type']?.[0];
  const lower = contentType?.toLowerCase() ?? '';
  // Section 3: mode by Content-Type prefix, matched case-insensitively; batch first, since
  // its media type also starts with application/cloudevents.
  if (lower.startsWith('application/cloudevents-batch')) {
    throw new UnsupportedMediaTypeError('a batch (application/cloudevents-batch+json) is not one event; it is read by batch.ts');
  }
  if (lower.startsWith('application/cloudevents')) return parseStructured(contentType!, request.body);
  if (binaryModeHeaders.some((name) => request.headers[name] !== undefined)) return parseBinary(request, contentType);
  return parsePlain(request, contentType, wrap);
}

// 3.2: the whole event is the body, in the JSON event format (the only one supported).
function parseStructured(contentType: string, body: Buffer): EventCandidate {
  const media = parseMediaType(contentType);
  if (media?.subtype !== 'cloudevents+json' || media.type !== 'application' || !isUtf8Charset(media)) {
    throw new UnsupportedMediaTypeError(`event format ${JSON.stringify(contentType)} is not supported; send application/cloudevents+json`);
  }
  const event = parseJson(body, contentType);
  if (!isJsonObject(event)) {
    throw new InvalidEventError(`a structured-mode event is a JSON object, got ${Array.isArray(event) ? 'an array' : JSON.stringify(event)}`);
  }
  return event;
}

// 3.1: attributes in ce-* headers, datacontenttype in Content-Type, data is the body.
function parseBinary(request: WebhookRequest, contentType: string | undefined): EventCandidate {
  // A null prototype so that `ce-__proto__` lands as a key validation reports.
  const candidate = Object.create(null) as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, values] of Object.entries(request.headers)) {
    if (!name.startsWith('ce-') || values === undefined) continue;
    const attribute = name.slice(3);
    if (attribute === 'datacontenttype') {
      problems.push('ce-datacontenttype: must not be sent in binary mode; Content-Type carries datacontenttype (http-protocol-binding.md 3.1.1)');
    } else if (dataMemberNames.has(attribute)) {
      problems.push(`${name}: "${attribute}" is reserved and cannot be an attribute (spec.md "Naming Conventions")`);
    } else if (values.length > 1) {
      problems.push(`${name}: sent ${values.length} times; an attribute appears at most once (spec.md "Context Attributes")`);
    } else {
      try {
        candidate[attribute] = decodeHeaderValue(values[0]!);
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
  }
  if (problems.length > 0) throw new InvalidEventError(problems.join('; '));
  if (contentType !== undefined) candidate['datacontenttype'] = contentType;
  // An empty body is an event without data; the spec makes `data` OPTIONAL.
  if (request.body.length > 0) setBinaryData(candidate, request.body, contentType);
  return candidate;
}

// json-format.md 3.1.1: JSON content becomes the `data` value itself, text a string, and
// everything else — or no Content-Type at all, which allows no assumption — data_base64.
function setBinaryData(candidate: Record<string, unknown>, body: Buffer, contentType: string | undefined): void {
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (media && declaresJson(media)) candidate['data'] = parseJson(body, contentType!);
  else if (media && isText(media) && isUtf8Charset(media)) candidate['data'] = decodeText(body, contentType!);
  else candidate['data_base64'] = body.toString('base64');
}

function parsePlain(request: WebhookRequest, contentType: string | undefined, wrap: WrapOptions): EventCandidate {
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (contentType !== undefined && !(media && declaresJson(media))) {
    throw new UnsupportedMediaTypeError(
      `Content-Type ${JSON.stringify(contentType)} is not accepted; send JSON (application/json), a structured CloudEvent (application/cloudevents+json) or a binary-mode CloudEvent (ce-specversion, ce-id, ce-source and ce-type headers)`,
    );
  }
  const data = parseJson(request.body, contentType ?? 'application/json');
  // A JSON object with a `specversion` member is a structured event sent as application/json.
  if (isJsonObject(data) && 'specversion' in data) return data;
  const candidate: Record<string, unknown> = {
    specversion: '1.0',
    // A sender's own delivery id (e.g. X-GitHub-Delivery) makes its retries, and replays of a
    // request, the same event: the bus stores it once. Otherwise every request is new.
    id: deliveryId(request, wrap) ?? randomUUID(),
    source: wrap.source,
    type: wrap.type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
  };
  for (const { header, extension } of wrap.copyHeaders) {
    const values = request.headers[header];
    if (values !== undefined) candidate[extension] = values.join(', ');
  }
  candidate['data'] = data;
  return candidate;
}

/** The JSON value a UTF-8 body holds; MalformedEventError when it holds none. */
export function parseJson(body: Buffer, contentType: string): unknown {
  try {
    return JSON.parse(decodeText(body, contentType));
  } catch (err) {
    if (err instanceof MalformedEventError) throw err;
    throw new MalformedEventError(`the body is not valid JSON (Content-Type ${contentType}): ${(err as Error).message}`);
  }
}

function decodeText(body: Buffer, contentType: string): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new MalformedEventError(`the body is not valid UTF-8 text (Content-Type ${contentType})`);
  }
}

// Text-like media types whose data the JSON format carries as a string (json-format.md
// 3.1.1 "a string representation ... properly encoded"); other charsets stay bytes.
function isText(media: MediaType): boolean {
  return media.type === 'text' || media.subtype === 'xml' || media.subtype.endsWith('+xml');
}

export function isUtf8Charset(media: MediaType): boolean {
  const charset = media.parameters.get('charset')?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deliveryId(request: WebhookRequest, wrap: WrapOptions): string | undefined {
  if (wrap.idHeader === undefined) return undefined;
  const values = request.headers[wrap.idHeader];
  return values?.length === 1 && values[0]!.trim() !== '' ? values[0]!.trim() : undefined;
}
