// Checks across files, after each file is valid on its own: names unique (subscriptions
// across switchboard.yaml, subscriptions/*.yaml and manifests; sources) and every
// subscription's function present in the functions folder.

import { formatKeyPath, type KeyPath } from './key-path.js';
import type { CodedProblem } from './problems.js';
import { closest } from './suggest.js';
import type { SourceConfig, SubscriptionConfig } from './types.js';
import { problemAt, type YamlFile } from './yaml-file.js';

/** A subscription and, when it was written in a YAML file we hold, where to point in it. */
export interface DeclaredSubscription {
  readonly subscription: SubscriptionConfig;
  readonly yaml?: YamlFile;
  readonly path: KeyPath;
}

function pointAt(d: DeclaredSubscription, key: string, message: string, code: CodedProblem['code']): CodedProblem {
  if (d.yaml) return problemAt(d.yaml, [...d.path, key], message, code);
  const at = d.subscription.declaredAt;
  return { file: at.file, line: at.line, column: at.column, path: `${at.path}.${key}`, message, code };
}

export function checkSubscriptionNames(declared: readonly DeclaredSubscription[]): CodedProblem[] {
  const first = new Map<string, DeclaredSubscription>();
  const problems: CodedProblem[] = [];
  for (const d of declared) {
    const earlier = first.get(d.subscription.name);
    if (!earlier) {
      first.set(d.subscription.name, d);
      continue;
    }
    const at = earlier.subscription.declaredAt;
    problems.push(pointAt(d, 'name', `subscription "${d.subscription.name}" is already declared at ${at.file}:${at.line}:${at.column} (${at.path}): rename one`, 'SB_CONFIG_INVALID'));
  }
  return problems;
}

export function checkFunctionsExist(declared: readonly DeclaredSubscription[], functionNames: readonly string[], functionsDir: string): CodedProblem[] {
  const known = new Set(functionNames);
  return declared.filter((d) => !known.has(d.subscription.function)).map((d) => {
    const name = d.subscription.function;
    const guess = closest(name, functionNames);
    const available = functionNames.length > 0 ? ` Available: ${functionNames.join(', ')}.` : ' It holds no functions.';
    return pointAt(d, 'function', `function "${name}" is not in ${functionsDir}${guess ? `; did you mean "${guess}"?` : '.'}${available}`, 'SB_FUNCTION_NOT_FOUND');
  });
}

export function checkSourceNames(yaml: YamlFile, sources: readonly SourceConfig[]): CodedProblem[] {
  const first = new Map<string, number>();
  const problems: CodedProblem[] = [];
  sources.forEach((source, i) => {
    const earlier = first.get(source.name);
    if (earlier === undefined) {
      first.set(source.name, i);
      return;
    }
    const path = ['sources', earlier];
    const at = problemAt(yaml, [...path, 'name'], '', 'SB_CONFIG_INVALID');
    problems.push(problemAt(yaml, ['sources', i, 'name'], `source "${source.name}" is already declared at line ${at.line} (${formatKeyPath(path)}): source names are unique`, 'SB_CONFIG_INVALID'));
  });
  return problems;
}
