// One YAML file read the same way wherever it lives (switchboard.yaml, subscriptions/*.yaml,
// a function manifest): parsed with positions, ${env:}/${file:} resolved, schema-checked.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { interpolateDocument, type ReferenceContext } from './interpolate.js';
import type { CodedProblem, ProblemCode } from './problems.js';
import type { JsonSchema } from './schema-defs.js';
import { validateYaml } from './validate.js';
import { parseYaml, type YamlFile } from './yaml-file.js';

export interface ReadYamlOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Code of schema problems: SB_CONFIG_INVALID, or SB_FUNCTION_MANIFEST_INVALID for manifests. */
  readonly code?: ProblemCode;
  /** Reads ${file:} references; tests pass their own. */
  readonly readReference?: ReferenceContext['readFile'];
}

export interface ReadYamlResult {
  /** Present when the file parsed; `data` is then the schema-checked value when no problems. */
  readonly yaml?: YamlFile;
  readonly data?: unknown;
  readonly problems: CodedProblem[];
}

/** Checks text already in hand (the file name is used for positions and references). */
export function checkYamlText(file: string, text: string, schema: JsonSchema, options: ReadYamlOptions): ReadYamlResult {
  const { yaml, problems: syntax } = parseYaml(file, text);
  if (syntax.length > 0) return { problems: syntax };
  // Relative ${file:} paths resolve against the folder of the file that holds them.
  const ctx = { env: options.env, baseDir: dirname(file), readFile: options.readReference ?? ((p: string) => readFileSync(p, 'utf8')) };
  const { problems: references, referenced } = interpolateDocument(yaml, ctx);
  const { data, problems: invalid } = validateYaml(yaml, schema, referenced, options.code ?? 'SB_CONFIG_INVALID');
  // An unresolved reference became '': schema complaints about that same value are echoes.
  const unresolved = new Set(references.map((p) => p.path));
  const problems = [...references, ...invalid.filter((p) => !unresolved.has(p.path))];
  return { yaml, data, problems };
}

export async function readYamlFile(file: string, schema: JsonSchema, options: ReadYamlOptions): Promise<ReadYamlResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    return { problems: [{ file, line: 1, column: 1, path: '', code: 'SB_CONFIG_PARSE', message: `cannot be read (${reason}): check the file and its permissions` }] };
  }
  return checkYamlText(file, text, schema, options);
}
