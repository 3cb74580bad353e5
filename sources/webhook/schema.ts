import { sizeSchema } from '../../src/config/units.js';
import { coreAttributeNames } from '../../src/events/cloudevent.js';

/** Largest body a webhook accepts unless its config says otherwise. */
export const defaultMaxBodySize = '1MiB';

export function webhookDefaults(): { maxBodySize: number | string; copyHeaders: readonly string[] } {
  return { maxBodySize: defaultMaxBodySize, copyHeaders: [] };
}

/** The extension attribute a copied header becomes: lower-cased, only a-z and 0-9 kept. */
export function extensionNameForHeader(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// A copied header must not become a core attribute or `data` (spec.md "Naming Conventions"):
// `Sub-Ject` would otherwise overwrite `subject`. One pattern per reserved name matches every
// header that reduces to it, so the config loader reports the line instead of a 400 later.
const reservedNames = [...coreAttributeNames, 'data'];
const reducesTo = (name: string): string =>
  `^[^A-Za-z0-9]*${[...name].map((c) => `[${c}${c.toUpperCase()}]`).join('[^A-Za-z0-9]*')}[^A-Za-z0-9]*$`;

export const webhookSchema = {
  type: 'object',
  description: 'Receives CloudEvents (HTTP binary or structured mode) and plain JSON over HTTP POST.',
  required: ['name', 'type', 'path'],
  additionalProperties: false,
  properties: {
    name: { $ref: '#/$defs/sourceName' },
    type: { const: 'webhook' },
    path: {
      type: 'string',
      pattern: '^/[A-Za-z0-9._~/-]*$',
      description: 'URL path the source answers POST on, e.g. /webhooks/ops.',
    },
    maxBodySize: { ...sizeSchema, description: 'Largest request body accepted; larger gets 413. Default 1MiB.' },
    eventType: {
      type: 'string',
      minLength: 1,
      description: 'CloudEvent type given to plain JSON bodies. Default com.switchboard.webhook.<name>.',
    },
    copyHeaders: {
      type: 'array',
      items: {
        type: 'string',
        // An HTTP token (RFC 9110 5.6.2) holding at least one letter or digit.
        pattern: '^[!#$%&\'*+.^_`|~-]*[A-Za-z0-9][A-Za-z0-9!#$%&\'*+.^_`|~-]*$',
        not: { anyOf: reservedNames.map((name) => ({ type: 'string', pattern: reducesTo(name) })) },
      },
      description:
        'Request headers copied into extension attributes of wrapped plain-JSON events; the extension name is the header name lower-cased with every character but a-z and 0-9 removed (X-GitHub-Event → xgithubevent). Headers that would become a core attribute (Id, Source, Subject, Time, ...) or data are refused.',
    },
  },
} as const;

export interface WebhookConfig {
  readonly name: string;
  readonly type: 'webhook';
  readonly path: string;
  readonly maxBodySize?: number | string;
  readonly eventType?: string;
  readonly copyHeaders?: readonly string[];
}
