// A function's manifest (`<name>.yaml` beside `<name>.js`, or `function.yaml` in its folder):
// its environment, limits and the subscriptions it declares itself. Read with the same
// positions, references and schema machinery as switchboard.yaml.

import { maxFunctionTimeout } from '../config/defaults.js';
import type { CodedProblem } from '../config/problems.js';
import { readYamlFile, type ReadYamlOptions } from '../config/read-yaml.js';
import { sharedDefs, type JsonSchema } from '../config/schema-defs.js';
import { checkSubscription, declaredAt, readTrigger, type WrittenSubscription } from '../config/subscription.js';
import type { FunctionsConfig } from '../config/types.js';
import { parseDuration } from '../config/units.js';
import { problemAt, type YamlFile } from '../config/yaml-file.js';
import type { FunctionManifest } from './function-definition.js';

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
  },
  $defs: sharedDefs,
};

/** The published schema/function.schema.json (editors: `# yaml-language-server: $schema=...`). */
export function renderManifestSchema(): string {
  return `${JSON.stringify({ $id: 'urn:switchboard:schema:function-v1', ...manifestSchema }, null, 2)}\n`;
}

interface WrittenManifest {
  env?: Record<string, string | number | boolean>;
  timeout?: string;
  memory?: number;
  triggers?: WrittenSubscription[];
}

export function defaultManifest(functions: FunctionsConfig): FunctionManifest {
  return { env: {}, timeoutMs: functions.defaultTimeoutMs, memoryMb: functions.defaultMemoryMb, triggers: [] };
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
  return { manifest: { env, timeoutMs, memoryMb: written.memory ?? functions.defaultMemoryMb, triggers }, problems };
}

/** The manifest in `file`, defaults filled from `functions`; problems instead when invalid. */
export async function readManifest(
  file: string,
  functions: FunctionsConfig,
  options: ReadYamlOptions,
): Promise<{ manifest?: FunctionManifest; problems: CodedProblem[] }> {
  const read = await readYamlFile(file, manifestSchema, { ...options, code: 'SB_FUNCTION_MANIFEST_INVALID' });
  if (!read.yaml || read.problems.length > 0) return { problems: read.problems };
  return resolveManifest(read.yaml, (read.data ?? {}) as WrittenManifest, functions);
}
