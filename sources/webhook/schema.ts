import { sizeSchema } from '../../src/config/units.js';

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
      items: { type: 'string', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' },
      description:
        'Request headers copied into extension attributes of wrapped plain-JSON events; the extension name is the header name lower-cased with every character but a-z and 0-9 removed (X-GitHub-Event → xgithubevent).',
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
