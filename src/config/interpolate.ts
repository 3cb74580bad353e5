// `${env:NAME}` and `${file:/path}` references in string values, resolved in the parsed
// document before schema validation so the schema checks what will be used. Resolved values
// are secrets: no message ever contains one, only the reference that produced it.

import { resolve as resolvePath } from 'node:path';
import { isPair, isScalar, isSeq, visit, type Scalar } from 'yaml';
import { formatKeyPath } from './key-path.js';
import type { CodedProblem } from './problems.js';
import { nodePosition, type YamlFile } from './yaml-file.js';

export interface ReferenceContext {
  readonly env: NodeJS.ProcessEnv;
  /** Relative `${file:...}` paths resolve against this (the config file's folder). */
  readonly baseDir: string;
  readonly readFile: (path: string) => string;
}

/** Which scalars held references; `whole` when the value was one reference and nothing else. */
export type ReferencedScalars = Map<Scalar, { readonly whole: boolean }>;

// `$${` is a literal `${`; `${...}` a reference (its closing brace may be missing: an error).
const referencePattern = /\$\$\{|\$\{([^}]*)(\})?/g;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const fixHint = 'write ${env:NAME} or ${file:/path}, or $${ for a literal ${';

function resolveReference(inner: string, ctx: ReferenceContext): string | { error: string } {
  const colon = inner.indexOf(':');
  const kind = colon < 0 ? '' : inner.slice(0, colon);
  const arg = inner.slice(colon + 1);
  if (kind === 'env') {
    if (!envName.test(arg)) return { error: `\${env:${arg}} is not a valid environment variable name` };
    const value = ctx.env[arg];
    if (value === undefined) return { error: `\${env:${arg}} is not set: set ${arg} in the environment or remove the reference` };
    return value;
  }
  if (kind === 'file' && arg !== '') {
    const path = resolvePath(ctx.baseDir, arg);
    try {
      // Secret files usually end in one newline (echo, editors); a password never does.
      return ctx.readFile(path).replace(/\r?\n$/, '');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      return { error: `\${file:${arg}} cannot be read (${reason} on ${path}): check the path and its permissions` };
    }
  }
  return { error: `unknown reference \${${inner}}: ${fixHint}` };
}

/** Resolves one string. Pure apart from `ctx.readFile`. */
export function interpolateString(
  text: string,
  ctx: ReferenceContext,
): { value: string; errors: string[]; references: number } {
  const errors: string[] = [];
  let references = 0;
  const value = text.replace(referencePattern, (match, inner: string | undefined, close: string | undefined) => {
    if (match === '$${') return '${';
    if (close === undefined) {
      errors.push(`a reference starts with \${ but has no closing }: ${fixHint}`);
      return match;
    }
    references++;
    const resolved = resolveReference(inner ?? '', ctx);
    if (typeof resolved === 'string') return resolved;
    errors.push(resolved.error);
    return '';
  });
  return { value, errors, references };
}

/** Replaces references in every string value (never in keys) of `yaml`, in place. */
export function interpolateDocument(
  yaml: YamlFile,
  ctx: ReferenceContext,
): { problems: CodedProblem[]; referenced: ReferencedScalars } {
  const problems: CodedProblem[] = [];
  const referenced: ReferencedScalars = new Map();
  visit(yaml.doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value;
      const { value, errors, references } = interpolateString(text, ctx);
      const path = errors.length > 0 ? keyPathOf(ancestors, node) : '';
      for (const message of errors) {
        problems.push({ file: yaml.file, ...nodePosition(yaml, node), path, code: 'SB_CONFIG_REFERENCE', message });
      }
      if (references > 0) referenced.set(node, { whole: /^\$\{[^}]*\}$/.test(text) });
      node.value = value;
    },
  });
  return { problems, referenced };
}

function keyPathOf(ancestors: readonly unknown[], node: unknown): string {
  const path: (string | number)[] = [];
  ancestors.forEach((at, i) => {
    const child = ancestors[i + 1] ?? node;
    if (isPair(at)) path.push(isScalar(at.key) ? String(at.key.value) : '?');
    else if (isSeq(at)) path.push(at.items.indexOf(child as never));
  });
  return formatKeyPath(path);
}

export function isReferenced(referenced: ReferencedScalars, node: unknown): boolean {
  return isScalar(node) && referenced.has(node);
}
