// The JSON Schema of switchboard.yaml, published as schema/switchboard.schema.json for
// editors (yaml-language-server) and used by the loader. Source types bring their own
// fragment through sources/registry.ts, so adding one needs no edit here.

import { sourceDefinitions } from '../../sources/definitions.js';
import type { SourceDefinition } from '../../sources/source.js';
import { configDefaults, logLevels, maxFunctionTimeout, minOperatorTokenLength } from './defaults.js';
import { sharedDefs, type JsonSchema } from './schema-defs.js';

export const configSchemaId = 'urn:switchboard:schema:switchboard-v1';
export const apiVersion = 'switchboard/v1';

const ref = (name: string, extra: JsonSchema = {}): JsonSchema => ({ $ref: `#/$defs/${name}`, ...extra });

const object = (description: string, properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object', additionalProperties: false, description, properties, ...extra,
});

const configDefs: Record<string, JsonSchema> = {
  busUrl: {
    type: 'string',
    pattern: '^(embedded|(nats|tls)://[^\\s,]+(\\s*,\\s*(nats|tls)://[^\\s,]+)*)$',
    description: '"embedded" runs and supervises nats-server -js; otherwise a comma-separated list of nats:// or tls:// URLs of an existing cluster.',
  },
  listen: {
    type: 'string',
    pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$',
    description: 'host:port to listen on, e.g. 0.0.0.0:8080 or [::]:8080.',
  },
  retention: object('Limits of a stream; the oldest entries go first.', {
    maxAge: ref('duration', { description: 'Entries older than this are removed.' }),
    maxBytes: ref('sizeOrUnlimited', { description: 'Largest size of the stream; -1 is unlimited.' }),
    maxMessages: { type: 'integer', minimum: -1, description: 'Most entries kept; -1 is unlimited.' },
  }),
};

function busSchema(): JsonSchema {
  const d = configDefaults.bus;
  return object('The NATS JetStream bus every event goes through.', {
    url: ref('busUrl', { default: d.url }),
    dataDir: { type: 'string', minLength: 1, default: d.dataDir, description: "The embedded nats-server's store; relative to this file." },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: d.port, description: 'Loopback client port of the embedded nats-server.' },
    user: { type: 'string', minLength: 1, description: 'NATS user (with password).' },
    password: { type: 'string', minLength: 1, description: 'NATS password; use ${env:NAME} or ${file:/path}.' },
    token: { type: 'string', minLength: 1, description: 'NATS token; use ${env:NAME} or ${file:/path}.' },
    duplicateWindow: ref('duration', { default: d.duplicateWindow, description: 'An event resent with the same source and id within this window is stored once.' }),
    replicas: { type: 'integer', minimum: 1, maximum: 5, default: d.replicas, description: 'Stream replicas on a NATS cluster.' },
    ackWait: ref('duration', {
      default: d.ackWait,
      description: 'A delivery not acknowledged for this long (the appliance died mid-invocation) is redelivered. At least 1s; running invocations keep extending it.',
    }),
    retention: object('How long the streams keep what they store.', {
      events: ref('retention', { default: d.retention.events }),
      deadLetter: ref('retention', { default: d.retention.deadLetter }),
      invocations: ref('retention', {
        default: d.retention.invocations,
        description: 'Invocation records (switchboard invocations): the oldest go first when a limit is reached.',
      }),
    }),
  }, { dependencies: { user: ['password'], password: ['user'] } });
}

function sourcesSchema(types: Record<string, SourceDefinition<never>>): JsonSchema {
  const names = Object.keys(types);
  return {
    type: 'array',
    description: 'Where events come from. Source names are unique.',
    items: {
      type: 'object',
      required: ['name', 'type'],
      properties: {
        name: ref('sourceName'),
        type: { enum: names, description: `The kind of source: ${names.join(', ')}.` },
      },
      // Each type's own fragment (with additionalProperties: false) checks the rest.
      allOf: Object.entries(types).map(([name, type]) => ({
        if: { properties: { type: { const: name } }, required: ['type'] },
        then: type.schema,
      })),
    },
  };
}

/** The whole schema of switchboard.yaml, from the source types given (the registry's by default). */
export function buildConfigSchema(types: Record<string, SourceDefinition<never>> = sourceDefinitions): JsonSchema {
  const f = configDefaults.functions;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: configSchemaId,
    title: 'Switchboard configuration (switchboard.yaml)',
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion'],
    properties: {
      apiVersion: { const: apiVersion, description: 'The version of this file format.' },
      bus: busSchema(),
      http: object('The HTTP listener (webhook sources, /healthz, /readyz, /metrics).', {
        listen: ref('listen', { default: configDefaults.http.listen }),
        operatorToken: {
          type: 'string', minLength: minOperatorTokenLength,
          description: 'Bearer token required by /invocations, /functions and /metrics (what functions did and said). Unset, they answer anyone who can reach the port. Write it as ${file:/etc/switchboard/secrets/operator-token}.',
        },
      }),
      functions: object('The functions folder and limits of the functions in it.', {
        dir: { type: 'string', minLength: 1, default: f.dir, description: 'Folder of functions; relative to this file.' },
        timeout: ref('duration', { default: f.timeout, description: `Default time an invocation may run, at most ${maxFunctionTimeout}.` }),
        loadTimeout: ref('duration', { default: f.loadTimeout, description: `How long a function's worker may take to start and load its module (a cold start), apart from the invocation's timeout, which starts when the function is called. At most ${maxFunctionTimeout}. A slow or busy machine needs more than a fast one.` }),
        memory: { type: 'integer', minimum: 32, maximum: 16384, default: f.memory, description: 'Default memory limit of a function worker, in MB.' },
        maxWorkers: { type: 'integer', minimum: 1, maximum: 256, default: f.maxWorkers, description: 'Warm worker processes kept per function at most.' },
        secretsDir: {
          type: 'string', minLength: 1, default: f.secretsDir,
          description: "Folder of secret files: a function's manifest lists the ones it may have (secrets: [name]); no other function can read them. Default /etc/switchboard/secrets.",
        },
        prestartedWorkers: {
          type: 'integer', minimum: 0, maximum: 16, default: f.prestartedWorkers,
          description: "Generic Node workers kept started (each ~40 MB) so that a JavaScript function's first invocation, or a scale-up, pays only its module load, not a process start. 0 turns them off. Default 1.",
        },
        sandbox: {
          enum: ['required', 'best-effort'], default: f.sandbox,
          description: 'required (default): Python, shell and other executables run only inside bubblewrap and are refused without it. best-effort: without bubblewrap they run unsandboxed, with a warning.',
        },
        watch: {
          type: 'boolean', default: f.watch,
          description: 'Hot reload (default true): a change to the functions folder, subscriptions/*.yaml or the subscriptions of this file takes effect without a restart; a broken new version is reported and the last good one keeps serving.',
        },
        maxChainDepth: {
          type: 'integer', minimum: 1, maximum: 64, default: f.maxChainDepth,
          description: 'How many functions deep a chain of events returned by functions may go; a deeper event is dead-lettered instead of published (loop protection). Default 8.',
        },
      }),
      log: object('Logging.', {
        level: { enum: [...logLevels], default: configDefaults.log.level },
      }),
      shutdownTimeout: ref('duration', { default: configDefaults.shutdownTimeout, description: 'How long in-flight invocations may finish on shutdown.' }),
      sources: sourcesSchema(types),
      subscriptions: {
        type: 'array',
        items: ref('subscription'),
        description: 'Also read from subscriptions/*.yaml beside this file and from function manifests.',
      },
    },
    $defs: { ...sharedDefs, ...configDefs },
  };
}

/** Schema of one subscriptions/*.yaml file: a list of subscriptions (an empty file is none). */
export function buildSubscriptionFileSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Switchboard subscriptions (subscriptions/*.yaml)',
    type: ['array', 'null'],
    items: ref('subscription'),
    $defs: sharedDefs,
  };
}

/** schema/switchboard.schema.json as committed: pretty-printed, one trailing newline. */
export function renderConfigSchema(): string {
  return `${JSON.stringify(buildConfigSchema(), null, 2)}\n`;
}
