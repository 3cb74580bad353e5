// Turns ajv's errors into problems an operator can act on: pointed at the key or value they
// are about, saying what was expected and what was found, without ajv's noise (one error per
// `oneOf` branch, `if` echoes). Values that came from ${env:}/${file:} are never shown.

import type { ErrorObject } from 'ajv';
import { dataOperators, filterKeys } from '../filters/types.js';
import { pointerToPath, valueAt } from './key-path.js';
import type { CodedProblem, ProblemCode } from './problems.js';
import type { JsonSchema } from './schema-defs.js';
import { closest } from './suggest.js';
import { isReferenced, type ReferencedScalars } from './interpolate.js';
import { nodeAt, problemAt, type YamlFile } from './yaml-file.js';

/** What a value of a shared definition looks like, in the operator's words. */
const expectations: Record<string, string> = {
  duration: 'a duration such as 500ms, 30s, 5m',
  size: 'a size such as 512KiB, 1MiB, 10MB, or a number of bytes',
  sizeOrUnlimited: 'a size such as 512KiB, 1MiB, 10GB, a number of bytes, or -1 for unlimited',
  sourceName: 'a source name: 1 to 63 lower-case letters, digits, - or _, starting with a letter or digit',
  subscriptionName: 'a subscription name: 1 to 63 letters, digits, - or _, starting with a letter or digit',
  functionName: 'a function name: letters, digits, - or _, starting with a letter or digit',
  envName: 'an environment variable name: letters, digits and _, not starting with a digit',
  attributeName: 'a CloudEvent attribute name: 1 to 20 lower-case letters and digits',
  filter: `exactly one of ${filterKeys.join(', ')}`,
  dataMatcher: `a path and exactly one operator (${dataOperators.join(', ')}); combine several matchers with all:`,
  dataPath: 'a path such as Vm.Name or Arguments.0.Value, or a list of keys such as ["com.vmware.key", "Value"]',
  dataBound: 'a number, or an RFC 3339 time such as 2024-05-01T00:00:00Z',
  busUrl: 'embedded, or a comma-separated list of nats:// or tls:// URLs',
  listen: 'host:port, such as 0.0.0.0:8080 or [::]:8080',
};

const typeNames: Record<string, string> = {
  string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
  object: 'a map of keys', array: 'a list', null: 'nothing',
};

export interface ExplainContext {
  readonly schema: JsonSchema;
  readonly data: unknown;
  readonly yaml: YamlFile;
  readonly referenced: ReferencedScalars;
  readonly code: ProblemCode;
}

function schemaAt(root: JsonSchema, pointer: string): JsonSchema | undefined {
  let at: unknown = root;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return at as JsonSchema | undefined;
}

/**
 * The schema object holding the failing keyword. ajv (verbose) hands it over; its schemaPath
 * cannot be trusted for this, being relative to the recursive definition it ran in (filters).
 */
function ownerOf(ctx: ExplainContext, e: ErrorObject): JsonSchema {
  return (e.parentSchema as JsonSchema | undefined) ?? schemaAt(ctx.schema, e.schemaPath.slice(0, e.schemaPath.lastIndexOf('/'))) ?? {};
}

/** A shared definition's expectation, found by identity or (when inlined, as a copy) by shape. */
function expectationOf(ctx: ExplainContext, owner: JsonSchema): string | undefined {
  const defs = (ctx.schema.$defs ?? {}) as Record<string, JsonSchema>;
  for (const [name, def] of Object.entries(defs)) {
    if (expectations[name] && def === owner) return expectations[name];
  }
  for (const [name, def] of Object.entries(defs)) {
    if (!expectations[name]) continue;
    if (owner.pattern !== undefined && owner.pattern === def.pattern) return expectations[name];
    if (owner.oneOf !== undefined && JSON.stringify(owner.oneOf) === JSON.stringify(def.oneOf)) return expectations[name];
  }
  return undefined;
}

function describeValue(ctx: ExplainContext, path: (string | number)[]): string {
  if (isReferenced(ctx.referenced, nodeAt(ctx.yaml, path))) {
    return 'the value of its ${...} reference (not shown)';
  }
  const value = valueAt(ctx.data, path);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty map' : `a map with ${keys.join(' and ')}`;
  }
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(type: unknown): string {
  return String(type).split(',').map((t) => typeNames[t] ?? t).join(' or ');
}

/** The message for one error; undefined drops it. */
function messageFor(ctx: ExplainContext, e: ErrorObject, path: (string | number)[]): string | undefined {
  const owner = ownerOf(ctx, e);
  const expected = expectationOf(ctx, owner);
  const got = `got ${describeValue(ctx, path)}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((owner.properties ?? {}) as object);
      const guess = closest(key, allowed);
      return `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}${allowed.length ? `: expected one of ${allowed.join(', ')}` : ''}`;
    }
    case 'required':
      return `missing required key "${String(p.missingProperty)}"`;
    case 'dependencies':
      return `"${String(p.property)}" needs "${String(p.missingProperty)}" beside it`;
    case 'type':
      return `expected ${expected ?? typeName(p.type)}, ${got}`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const value = valueAt(ctx.data, path);
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      return `expected one of ${allowed.join(', ')}, ${got}${guess ? `; did you mean "${guess}"?` : ''}`;
    }
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}, ${got}`;
    case 'pattern':
      return `expected ${expected ?? `a string matching ${String(p.pattern)}`}, ${got}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `expected ${expected ?? `a number ${e.keyword === 'minimum' ? 'of at least' : 'above'} ${String(p.limit)}`}, ${got}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `expected ${expected ?? `a number ${e.keyword === 'maximum' ? 'of at most' : 'below'} ${String(p.limit)}`}, ${got}`;
    case 'minItems':
      return `expected a list of at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}, ${got}`;
    case 'maxItems':
      return `expected a list of at most ${String(p.limit)} items, ${got}`;
    case 'minProperties':
    case 'maxProperties':
      return `expected ${expected ?? `${e.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(p.limit)} keys`}, ${got}`;
    case 'minLength':
      return `expected a non-empty string, ${got}`;
    case 'oneOf':
    case 'anyOf':
      return `expected ${expected ?? (owner.description as string | undefined) ?? 'a value of another shape'}, ${got}`;
    case 'if':
    case 'propertyNames':
      return undefined; // echoes of errors reported on their own
    default:
      return `${e.message ?? 'is not valid'}, ${got}`;
  }
}

/** Problems for ajv's errors on `ctx.data`, noise removed. */
export function explainErrors(ctx: ExplainContext, errors: readonly ErrorObject[]): CodedProblem[] {
  // A oneOf/anyOf is reported once, in its own words, not once per failing branch.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const insideAlternative = (e: ErrorObject): boolean =>
    alternatives.some((a) => a !== e && e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath));
  // A misspelt required key is one mistake, not two: the unknown-key message names it.
  const suggested = new Set(
    errors.filter((e) => e.keyword === 'additionalProperties').flatMap((e) => {
      const owner = ownerOf(ctx, e);
      const guess = closest(String(e.params.additionalProperty), Object.keys((owner.properties ?? {}) as object));
      return guess ? [`${e.instancePath}/${guess}`] : [];
    }),
  );

  // An unknown key beside a failed oneOf (a data matcher's misspelt operator) is the one
  // mistake: its message lists the keys allowed, which says what the oneOf would.
  const unknownKeyAt = new Set(errors.filter((e) => e.keyword === 'additionalProperties').map((e) => e.instancePath));

  const problems: CodedProblem[] = [];
  for (const e of errors) {
    if (insideAlternative(e)) continue;
    if (e.keyword === 'oneOf' && unknownKeyAt.has(e.instancePath)) continue;
    if (e.keyword === 'required' && suggested.has(`${e.instancePath}/${String(e.params.missingProperty)}`)) continue;
    const path = pointerToPath(e.instancePath, ctx.data);
    // Errors about a key (unknown, badly named, missing a partner) point at the key.
    const keyName = e.keyword === 'additionalProperties' ? e.params.additionalProperty
      : e.keyword === 'dependencies' ? e.params.property : e.propertyName;
    if (keyName !== undefined && e.propertyName !== undefined) {
      const expected = expectationOf(ctx, ownerOf(ctx, e)) ?? `a key matching ${String(e.params.pattern)}`;
      problems.push(problemAt(ctx.yaml, [...path, String(keyName)], `key "${String(keyName)}" is not allowed: expected ${expected}`, ctx.code, { key: true }));
      continue;
    }
    const message = messageFor(ctx, e, path);
    if (message === undefined) continue;
    const where = keyName !== undefined ? [...path, String(keyName)] : path;
    problems.push(problemAt(ctx.yaml, where, message, ctx.code, { key: keyName !== undefined }));
  }
  return problems;
}
