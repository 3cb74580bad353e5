// Schema validation of one parsed YAML file: ajv with every error collected, then explained
// at the positions they are about.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Scalar } from 'yaml';
import { explainErrors } from './explain-errors.js';
import { pointerToPath } from './key-path.js';
import type { ReferencedScalars } from './interpolate.js';
import type { CodedProblem, ProblemCode } from './problems.js';
import type { JsonSchema } from './schema-defs.js';
import { nodeAt, type YamlFile } from './yaml-file.js';

// verbose: errors carry the schema they failed against, to say what was expected.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // Several schemas share $defs but each is compiled on its own; an $id must not clash.
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function run(validate: ValidateFunction, data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

/**
 * A value written as one unquoted reference (`port: ${env:PORT}`) resolves to a string; where
 * the schema wants a number or boolean, take the text as one. Tokens and passwords stay
 * strings, whatever digits they hold, because only a schema that asks for a number converts.
 */
function convertReferencedScalars(errors: ErrorObject[], data: unknown, yaml: YamlFile, referenced: ReferencedScalars): boolean {
  let changed = false;
  for (const e of errors) {
    if (e.keyword !== 'type') continue;
    const path = pointerToPath(e.instancePath, data);
    const node = nodeAt(yaml, path) as Scalar | undefined;
    if (!node || !referenced.get(node)?.whole || (node.type !== 'PLAIN' && node.type !== undefined)) continue;
    const parent = path.length === 0 ? undefined : pointerParent(data, path);
    const last = path[path.length - 1];
    if (!parent || last === undefined) continue;
    const text = parent[last];
    if (typeof text !== 'string') continue;
    const wanted = String(e.params.type);
    let value: unknown;
    if (/integer/.test(wanted) && /^-?[0-9]+$/.test(text)) value = Number(text);
    else if (/number/.test(wanted) && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) value = Number(text);
    else if (/boolean/.test(wanted) && (text === 'true' || text === 'false')) value = text === 'true';
    if (value === undefined) continue;
    parent[last] = value;
    changed = true;
  }
  return changed;
}

function pointerParent(data: unknown, path: (string | number)[]): Record<string | number, unknown> | undefined {
  let at = data;
  for (const segment of path.slice(0, -1)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[segment];
  }
  return at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>) : undefined;
}

/** The file's data (references already resolved in `yaml`) and every schema problem in it. */
export function validateYaml(
  yaml: YamlFile,
  schema: JsonSchema,
  referenced: ReferencedScalars,
  code: ProblemCode,
): { data: unknown; problems: CodedProblem[] } {
  const validate = validatorFor(schema);
  const data: unknown = yaml.doc.toJS({ maxAliasCount: 1000 });
  let errors = run(validate, data);
  if (errors.length > 0 && referenced.size > 0 && convertReferencedScalars(errors, data, yaml, referenced)) {
    errors = run(validate, data);
  }
  return { data, problems: explainErrors({ schema, data, yaml, referenced, code }, errors) };
}
