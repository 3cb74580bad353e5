import { durationSchema, sizeSchema } from '../../src/config/units.js';
import { coreAttributeNames } from '../../src/events/cloudevent.js';

/** Largest body a webhook accepts unless its config says otherwise. */
export const defaultMaxBodySize = '1MiB';
/** Most events one batched request may carry unless the config says otherwise. */
export const defaultMaxBatchEvents = 1000;
/** How far an HMAC timestamp may be from the appliance's clock, either way. */
export const defaultTolerance = '5m';

export const hmacAlgorithms = ['sha256', 'sha1', 'sha512'] as const;
export type HmacAlgorithm = (typeof hmacAlgorithms)[number];

/** The signature header by algorithm, as GitHub names them (it sends sha1 and sha256). */
export const defaultSignatureHeaders: Readonly<Record<HmacAlgorithm, string>> = {
  sha256: 'X-Hub-Signature-256',
  sha1: 'X-Hub-Signature',
  sha512: 'X-Hub-Signature-512',
};

export function webhookDefaults(): { maxBodySize: number | string; copyHeaders: readonly string[]; maxBatchEvents: number } {
  return { maxBodySize: defaultMaxBodySize, copyHeaders: [], maxBatchEvents: defaultMaxBatchEvents };
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

// An HTTP header name: a token (RFC 9110 5.6.2).
const headerName = (description: string) => ({ type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', description });
const secret = (description: string) => ({ type: 'string', minLength: 1, description: `${description} Write it as \${env:NAME} or \${file:/path} rather than in the file.` });
// A DNS name, as WebHook-Request-Origin carries one (http-webhook.md 4.1.2).
export const originPattern = '^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$';

// Discriminated by `type`: each branch closes its own keys, and ajv reports the unknown or
// missing key of the branch the operator chose rather than one error per alternative.
const authBranch = (type: string, required: string[], properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then: { type: 'object', additionalProperties: false, required: ['type', ...required], properties: { type: { const: type }, ...properties }, ...extra },
});

const authSchema = {
  type: 'object',
  required: ['type'],
  description:
    'Who may deliver: every POST must carry this credential, else it gets 401 and nothing is published. The OPTIONS validation handshake needs none (http-webhook.md 4). Absent: anyone who can reach the path.',
  properties: {
    type: {
      enum: ['basic', 'bearer', 'hmac'],
      description: 'basic: Authorization: Basic user:password. bearer: Authorization: Bearer <token>, or ?access_token=<token> (http-webhook.md 3). hmac: a signature of the body in a header (GitHub style).',
    },
  },
  allOf: [
    authBranch('basic', ['username', 'password'], {
      username: { type: 'string', pattern: '^[^:]+$', description: 'The user name the sender must send (no colon, RFC 7617).' },
      password: secret('The password the sender must send.'),
    }),
    authBranch('bearer', ['token'], {
      token: { ...secret('The token the sender must send: printable ASCII, no spaces.'), pattern: '^[!-~]+$' },
    }),
    authBranch('hmac', ['secret'], {
      secret: secret('The shared key of the HMAC.'),
      algorithm: { enum: [...hmacAlgorithms], default: 'sha256', description: 'The HMAC hash. Default sha256.' },
      header: headerName(
        'Header carrying the signature: the digest, optionally prefixed by the algorithm and "=" as GitHub sends it (sha256=<hex>). Default X-Hub-Signature-256 for sha256, X-Hub-Signature for sha1, X-Hub-Signature-512 for sha512.',
      ),
      encoding: { enum: ['hex', 'base64'], default: 'hex', description: 'How the digest is written in the header: hex (GitHub) or base64 (e.g. Shopify). Default hex.' },
      timestampHeader: headerName(
        'Header carrying the time of sending in Unix seconds. When set, the signature is the HMAC of "<timestamp>.<body>" (the header value, a dot, the raw body bytes) and a request whose timestamp is further than `tolerance` from now is refused, so a captured request cannot be replayed later. When absent, the signature is the HMAC of the raw body bytes.',
      ),
      tolerance: { ...durationSchema, description: 'Largest difference between timestampHeader and the appliance clock, either way. Default 5m. Needs timestampHeader.' },
    }, { dependencies: { tolerance: ['timestampHeader'] } }),
  ],
} as const;

export const webhookSchema = {
  type: 'object',
  description: 'Receives CloudEvents (HTTP binary, structured or batched mode) and plain JSON over HTTP POST.',
  required: ['name', 'type', 'path'],
  additionalProperties: false,
  properties: {
    name: { $ref: '#/$defs/sourceName' },
    type: { const: 'webhook' },
    path: {
      type: 'string',
      pattern: '^/[A-Za-z0-9._~/-]*$',
      description: 'URL path the source answers POST (and the OPTIONS validation handshake) on, e.g. /webhooks/ops.',
    },
    maxBodySize: { ...sizeSchema, description: 'Largest request body accepted, a whole batch included; larger gets 413. Default 1MiB.' },
    maxBatchEvents: {
      type: 'integer', minimum: 1, maximum: 100000, default: defaultMaxBatchEvents,
      description: 'Most events one application/cloudevents-batch+json request may carry; more gets 413. Default 1000.',
    },
    eventType: {
      type: 'string',
      minLength: 1,
      description: 'CloudEvent type given to plain JSON bodies. Default com.switchboard.webhook.<name>.',
    },
    idHeader: {
      type: 'string',
      pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$',
      description:
        "Request header whose value becomes the id of wrapped plain-JSON events, e.g. X-GitHub-Delivery: the sender's retries (and replays) of one delivery are then stored once. Without it, or when the header is absent, each request gets a new id.",
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
    auth: authSchema,
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['requestsPerSecond'],
      description:
        'A token bucket for the whole source: requests past it get 429 with Retry-After and are not read. A batch is one request. The validation handshake answers WebHook-Allowed-Rate with it in requests per minute. Absent: no limit.',
      properties: {
        requestsPerSecond: { type: 'number', exclusiveMinimum: 0, description: 'Sustained rate the bucket refills at; fractions allowed (0.5 = one every 2s).' },
        burst: { type: 'integer', minimum: 1, description: 'Requests accepted at once after a quiet spell (the bucket size). Default requestsPerSecond rounded up.' },
      },
    },
    allowedOrigins: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: originPattern },
      description:
        'Sender origins (DNS names, compared case-insensitively) the OPTIONS validation handshake grants with WebHook-Allowed-Origin; others get 403 and no grant. Absent: every origin is granted. Only the handshake is checked: WebHook-Request-Origin is no credential, so use auth to refuse deliveries.',
    },
  },
} as const;

export type WebhookAuthConfig =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string }
  | {
    readonly type: 'hmac';
    readonly secret: string;
    readonly algorithm?: HmacAlgorithm;
    readonly header?: string;
    readonly encoding?: 'hex' | 'base64';
    readonly timestampHeader?: string;
    readonly tolerance?: string;
  };

export interface RateLimitConfig {
  readonly requestsPerSecond: number;
  readonly burst?: number;
}

export interface WebhookConfig {
  readonly name: string;
  readonly type: 'webhook';
  readonly path: string;
  readonly maxBodySize?: number | string;
  readonly maxBatchEvents?: number;
  readonly eventType?: string;
  readonly copyHeaders?: readonly string[];
  readonly idHeader?: string;
  readonly auth?: WebhookAuthConfig;
  readonly rateLimit?: RateLimitConfig;
  readonly allowedOrigins?: readonly string[];
}
