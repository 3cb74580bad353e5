// A YAML file parsed with positions, so every later problem — schema, reference, cross-check —
// can name the file, line and column of the key or value it is about.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatKeyPath, type KeyPath } from './key-path.js';
import type { CodedProblem, ProblemCode } from './problems.js';

export interface YamlFile {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Parses `text`; syntax errors (and duplicate keys) come back as SB_CONFIG_PARSE problems. */
export function parseYaml(file: string, text: string): { yaml: YamlFile; problems: CodedProblem[] } {
  const lines = new LineCounter();
  // Merge keys (`<<: *retryDefaults`) let operators share a retry policy between subscriptions.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const yaml = { file, doc, lines };
  const problems = doc.errors.map((e): CodedProblem => ({
    file, ...offsetPosition(yaml, e.pos[0]), path: '', code: 'SB_CONFIG_PARSE',
    // A repeated key would silently win over the first in most tools; name it.
    message: e.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(text, e.pos[0]) : e.message,
  }));
  return { yaml, problems };
}

function duplicateKeyMessage(text: string, offset: number): string {
  const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+?)\s*:/.exec(text.slice(offset))?.[1];
  return key ? `key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`} is written twice in this map: keep one` : 'a key is written twice in this map: keep one';
}

function offsetPosition(yaml: YamlFile, offset: number): Position {
  const { line, col } = yaml.lines.linePos(offset);
  return { line, column: col };
}

export function nodePosition(yaml: YamlFile, node: Node | null | undefined): Position {
  return node?.range ? offsetPosition(yaml, node.range[0]) : { line: 1, column: 1 };
}

function resolved(yaml: YamlFile, node: unknown): unknown {
  return isAlias(node) ? node.resolve(yaml.doc) : node;
}

/** The map pair holding `key`, looking through `<<` merge keys like toJS() does. */
function pairOf(yaml: YamlFile, map: unknown, key: string): { key: Node; value: unknown } | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) {
      return { key: pair.key, value: pair.value };
    }
  }
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === '<<') {
      const sources = resolved(yaml, pair.value);
      const list = isSeq(sources) ? sources.items.map((s) => resolved(yaml, s)) : [sources];
      for (const source of list) {
        const found = pairOf(yaml, source, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * The deepest node along `path` (the value, or with `key` the key of the last segment).
 * Stops at the last node that exists, so a missing key points at the map that lacks it.
 */
export function nodeAt(yaml: YamlFile, path: KeyPath, options: { key?: boolean } = {}): Node | undefined {
  let at: unknown = yaml.doc.contents;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const here = resolved(yaml, at);
    let next: unknown;
    if (typeof segment === 'number' && isSeq(here)) next = here.items[segment];
    else if (isMap(here)) {
      const pair = pairOf(yaml, here, String(segment));
      if (pair && options.key && i === path.length - 1) return pair.key;
      next = pair?.value;
    }
    if (next === undefined || next === null) return here as Node;
    at = next;
  }
  return at as Node;
}

export function positionAt(yaml: YamlFile, path: KeyPath, options: { key?: boolean } = {}): Position {
  return nodePosition(yaml, nodeAt(yaml, path, options));
}

export function problemAt(
  yaml: YamlFile,
  path: KeyPath,
  message: string,
  code: ProblemCode,
  options: { key?: boolean } = {},
): CodedProblem {
  return { file: yaml.file, ...positionAt(yaml, path, options), path: formatKeyPath(path), message, code };
}
