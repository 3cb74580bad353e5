// A function's manifest (`<name>.yaml` beside `<name>.js`, or `function.yaml` in its folder):
// its environment, limits and the subscriptions it declares itself. Read with the same
// positions, references and schema machinery as switchboard.yaml.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { maxFunctionTimeout } from '../config/defaults.js';
import type { CodedProblem } from '../config/problems.js';
import { readYamlFile, type ReadYamlOptions } from '../config/read-yaml.js';
import { sharedDefs, type JsonSchema } from '../config/schema-defs.js';
import { checkSubscription, declaredAt, readTrigger, type WrittenSubscription } from '../config/subscription.js';
import type { FunctionsConfig } from '../config/types.js';
import { parseDuration } from '../config/units.js';
import { problemAt, type YamlFile } from '../config/yaml-file.js';
import type { FunctionManifest, FunctionRuntime } from './function-definition.js';

export const manifestSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Switchboard function manifest (<name>.yaml or <name>/function.yaml)',
  // An empty manifest is allowed: every key has a default.
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    env: {
      type: 'object',
      propertyNames: { $ref: '#/$defs/envName' },
      // Numbers and booleans are taken as their text: `PORT: 8080` means what it says.
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: "The function process's whole environment (nothing of the appliance's is passed).",
    },
    timeout: { $ref: '#/$defs/duration', description: `How long one invocation may run, at most ${maxFunctionTimeout}. Default functions.timeout.` },
    memory: { type: 'integer', minimum: 32, maximum: 16384, description: 'Memory limit of a worker, in MB. Default functions.memory.' },
    triggers: { type: 'array', items: { $ref: '#/$defs/trigger' }, description: 'Subscriptions to this function.' },
    concurrency: {
      type: 'integer', minimum: 1, maximum: 256,
      description: 'Invocations of this function running at once, each in its own worker; more wait, unacknowledged and kept alive on the bus, until one is free. Default functions.maxWorkers.',
    },
    network: { type: 'boolean', description: 'false: the function gets no network at all (its own network namespace; needs bubblewrap, else it does not run). Default true.' },
    minWarm: { type: 'integer', minimum: 0, maximum: 64, description: 'Warm workers kept however idle (workers start on first use). Default 0: scale to zero.' },
    idleTimeout: { $ref: '#/$defs/duration', description: 'An idle worker above minWarm exits after this long. Default 5m.' },
    maxInvocations: { type: 'integer', minimum: 0, description: 'Replace a worker after this many invocations (a leak kept in check). Default 0: never.' },
    secrets: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
      description:
        'Secrets this function may have, by file name in functions.secretsDir: each is given as an env var (chat-url → CHAT_URL) and as a read-only file whose path is in <VAR>_FILE. No other function can read them; they are never logged.',
    },
  },
  $defs: sharedDefs,
};

/** The published schema/function.schema.json (editors: `# yaml-language-server: $schema=...`). */
export function renderManifestSchema(): string {
  return `${JSON.stringify({ $id: 'urn:switchboard:schema:function-v1', ...manifestSchema }, null, 2)}\n`;
}

/**
 * Why a function may not set this variable, if it may not: the dynamic loader's LD_* run code
 * before the sandbox has dropped privileges (executables) and NODE_OPTIONS and Node's IPC
 * variables would lift a JS worker's permission model.
 */
export function sandboxLiftingEnv(name: string): string | undefined {
  if (name.startsWith('LD_')) return 'the dynamic loader would act on it before the sandbox drops privileges';
  if (['NODE_OPTIONS', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_UNIQUE_ID'].includes(name)) return 'it would lift the sandbox of a JavaScript worker';
  return undefined;
}

/** `chat-url` → CHAT_URL: upper case, every other character an underscore. */
export function secretEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/gu, '_');
}

interface WrittenManifest {
  env?: Record<string, string | number | boolean>;
  timeout?: string;
  memory?: number;
  triggers?: WrittenSubscription[];
  secrets?: string[];
  network?: boolean;
  concurrency?: number;
  minWarm?: number;
  idleTimeout?: string;
  maxInvocations?: number;
}

export const defaultIdleTimeout = '5m';

export function defaultManifest(functions: FunctionsConfig): FunctionManifest {
  return {
    env: {}, timeoutMs: functions.defaultTimeoutMs, memoryMb: functions.defaultMemoryMb, triggers: [], secrets: [],
    minWarm: 0, idleTimeoutMs: parseDuration(defaultIdleTimeout), maxInvocations: 0, network: true,
  };
}

function resolveManifest(yaml: YamlFile, written: WrittenManifest, functions: FunctionsConfig): { manifest: FunctionManifest; problems: CodedProblem[] } {
  const code = 'SB_FUNCTION_MANIFEST_INVALID';
  const problems: CodedProblem[] = [];
  const timeoutMs = written.timeout === undefined ? functions.defaultTimeoutMs : parseDuration(written.timeout);
  if (timeoutMs > parseDuration(maxFunctionTimeout)) {
    problems.push(problemAt(yaml, ['timeout'], `expected a duration of at most ${maxFunctionTimeout}, the longest a function may run`, code));
  }
  const triggers = (written.triggers ?? []).map((t, i) => {
    problems.push(...checkSubscription(yaml, ['triggers', i], t, code));
    return readTrigger(t, declaredAt(yaml, ['triggers', i]));
  });
  const env = Object.fromEntries(Object.entries(written.env ?? {}).map(([k, v]) => [k, String(v)]));
  for (const name of Object.keys(env)) {
    const why = sandboxLiftingEnv(name);
    if (why) problems.push(problemAt(yaml, ['env', name], `env ${name} may not be set by a function: ${why}; remove it`, code));
  }
  const secrets = (written.secrets ?? []).map((name, i) => {
    const secret = { name, file: join(functions.secretsDir, name), envName: secretEnvName(name) };
    // Checked at load (validate and start) so a missing secret is reported at its line, not
    // at the first event. Only existence: its value is read when a worker starts.
    if (!existsSync(secret.file)) {
      problems.push(problemAt(yaml, ['secrets', i], `secret "${name}" does not exist: create ${secret.file} (mode 0600, owned by the appliance's user)`, 'SB_CONFIG_REFERENCE'));
    }
    const why = sandboxLiftingEnv(secret.envName) ?? sandboxLiftingEnv(`${secret.envName}_FILE`);
    if (why) problems.push(problemAt(yaml, ['secrets', i], `secret "${name}" would set ${secret.envName}: ${why}; rename the secret`, code));
    else if (secret.envName in env || `${secret.envName}_FILE` in env) {
      problems.push(problemAt(yaml, ['secrets', i], `secret "${name}" would set ${secret.envName}, which env: sets too; rename one`, code));
    }
    return secret;
  });
  const lifecycle = {
    minWarm: written.minWarm ?? 0,
    idleTimeoutMs: parseDuration(written.idleTimeout ?? defaultIdleTimeout),
    maxInvocations: written.maxInvocations ?? 0,
    network: written.network ?? true,
    ...(written.concurrency === undefined ? {} : { concurrency: written.concurrency }),
  };
  return { manifest: { env, timeoutMs, memoryMb: written.memory ?? functions.defaultMemoryMb, triggers, secrets, ...lifecycle }, problems };
}

/** The manifest in `file`, defaults filled from `functions`; problems instead when invalid. */
export async function readManifest(
  file: string,
  functions: FunctionsConfig,
  options: ReadYamlOptions,
  runtime?: FunctionRuntime,
): Promise<{ manifest?: FunctionManifest; problems: CodedProblem[] }> {
  const read = await readYamlFile(file, manifestSchema, { ...options, code: 'SB_FUNCTION_MANIFEST_INVALID' });
  if (!read.yaml || read.problems.length > 0) return { problems: read.problems };
  const written = (read.data ?? {}) as WrittenManifest;
  const resolved = resolveManifest(read.yaml, written, functions);
  if (runtime && !workerRuntimes.has(runtime)) resolved.problems.push(...workerOnlyKeys(read.yaml, written, runtime));
  return resolved;
}

/** Runtimes that run in warm workers; the others start one process per invocation. */
const workerRuntimes: ReadonlySet<FunctionRuntime> = new Set(['javascript', 'typescript']);

/** Keys about warm workers mean nothing to an executable: say so rather than ignore them. */
function workerOnlyKeys(yaml: YamlFile, written: WrittenManifest, runtime: FunctionRuntime): CodedProblem[] {
  return (['minWarm', 'idleTimeout', 'maxInvocations'] as const)
    .filter((key) => written[key] !== undefined)
    .map((key) => problemAt(yaml, [key], `${key} applies to JavaScript and TypeScript functions, which run in warm workers; a ${runtime} function starts one process per invocation: remove it`, 'SB_FUNCTION_MANIFEST_INVALID'));
}
