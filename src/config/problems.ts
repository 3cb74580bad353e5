// Problems are collected from every file before anything starts, then thrown as one
// ConfigError so the operator fixes them all in one round. Each problem carries the
// catalogue code of its kind; the error takes the most fundamental one present (a file
// that does not parse hides everything else about it).

import { ConfigError, type ConfigProblem } from '../errors.js';

export type ProblemCode = ConfigError['code'];

export interface CodedProblem extends ConfigProblem {
  readonly code: ProblemCode;
}

const precedence: readonly ProblemCode[] = [
  'SB_CONFIG_PARSE', 'SB_CONFIG_REFERENCE', 'SB_CONFIG_INVALID', 'SB_FUNCTION_MANIFEST_INVALID', 'SB_FILTER_INVALID', 'SB_FUNCTION_NOT_FOUND',
];

/**
 * One ConfigError holding every problem (`problems` is not empty): duplicates dropped, files
 * in the order they were read, each file's problems top to bottom.
 */
export function problemsError(problems: readonly CodedProblem[]): ConfigError {
  const seen = new Set<string>();
  const fileOrder = new Map<string, number>();
  const unique = problems.filter((p) => {
    if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
    const key = `${p.file}:${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.column - b.column);
  const code = precedence.find((c) => unique.some((p) => p.code === c)) ?? unique[0]!.code;
  return new ConfigError(unique, code);
}

export function throwIfProblems(problems: readonly CodedProblem[]): void {
  if (problems.length > 0) throw problemsError(problems);
}
