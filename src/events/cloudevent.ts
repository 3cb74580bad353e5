// A CloudEvent as the appliance carries it everywhere after intake: the JSON event format
// (specs/cloudevents/json-format.md), validated once and then frozen.

export interface CloudEventRecord {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  /** Present for JSON and text payloads. */
  readonly data?: unknown;
  /** Present for binary payloads (never together with `data`). */
  readonly data_base64?: string;
  /** Extension attributes: lower-case alphanumeric names, string/boolean/integer values. */
  readonly [extension: string]: unknown;
}

/** Attribute names defined by the core spec; every other top-level key is an extension. */
export const coreAttributeNames: ReadonlySet<string> = new Set([
  'specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema',
]);

export const dataMemberNames: ReadonlySet<string> = new Set(['data', 'data_base64']);
