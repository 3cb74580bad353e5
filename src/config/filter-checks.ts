// Filters compiled at load, wherever they are written (switchboard.yaml, subscriptions/*.yaml,
// a function's triggers), so a regex RE2 refuses or a CESQL expression that does not parse
// stops `validate` and `start` at its line — never the router at the first event. A position
// inside the text becomes the YAML column when the scalar maps one to one onto the file.

import { isScalar } from 'yaml';
import { checkFilters as compileAndCheck } from '../filters/compile.js';
import type { Filter } from '../filters/types.js';
import type { KeyPath } from './key-path.js';
import { formatKeyPath } from './key-path.js';
import type { CodedProblem } from './problems.js';
import { nodeAt, problemAt, type Position, type YamlFile } from './yaml-file.js';

export function checkFilterList(yaml: YamlFile, path: KeyPath, filters: readonly Filter[] | undefined): CodedProblem[] {
  return compileAndCheck(filters ?? []).map((p) => {
    const at = [...path, ...p.path];
    // The message itself names the position in the text (the engine's "at column 7", RE2's
    // "at position 3"); the problem points at that character when the file allows.
    const exact = p.position === undefined ? undefined : positionInScalar(yaml, at, p.position);
    if (exact) return { file: yaml.file, ...exact, path: formatKeyPath(at), message: p.message, code: 'SB_FILTER_INVALID' };
    return problemAt(yaml, at, p.message, 'SB_FILTER_INVALID');
  });
}

/**
 * The file position of character `offset` of the string at `path`, when the scalar is on one
 * line and its text is the value character for character: plain, or quoted without escapes
 * (an escape or a ${...} reference makes the lengths differ, and then we do not guess).
 */
export function positionInScalar(yaml: YamlFile, path: KeyPath, offset: number): Position | undefined {
  const node = nodeAt(yaml, path);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const [start, end] = node.range;
  const first = yaml.lines.linePos(start);
  if (yaml.lines.linePos(end).line !== first.line) return undefined;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  if (!quoted && node.type !== 'PLAIN') return undefined;
  const inner = end - start - (quoted ? 2 : 0);
  if (inner !== node.value.length || offset > node.value.length) return undefined;
  return { line: first.line, column: first.col + (quoted ? 1 : 0) + offset };
}
