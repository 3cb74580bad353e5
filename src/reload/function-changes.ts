// What a rescan of the functions folder means for the running functions, decided per
// function so that one broken function never holds back the others: a function with a
// problem keeps its last good version (or, when new, is not added), one that is gone is
// removed, one whose files or manifest changed becomes a candidate (still to be copied and
// syntax-checked), and the rest stay exactly as they run. Pure: no I/O.

import { basename, extname, relative, sep } from 'node:path';
import type { CodedProblem } from '../config/problems.js';
import type { FunctionCatalog, FunctionDefinition } from '../runtime/function-definition.js';

export interface FunctionPlan {
  /** Found again as they are: keep what runs. */
  readonly unchanged: readonly string[];
  /** New or changed and without a problem so far: to be loaded. */
  readonly candidates: readonly FunctionDefinition[];
  /** Problems by function; `kept` when its last good version goes on serving. */
  readonly broken: readonly BrokenFunction[];
  /** Gone from the folder without a trace of a problem. */
  readonly removed: readonly string[];
}

export interface BrokenFunction {
  readonly name: string;
  readonly problems: readonly CodedProblem[];
  readonly kept: boolean;
}

/**
 * The function each problem is about: the first path segment under the functions folder,
 * without its extension for a file (`notify.yaml`, `notify/function.yaml`, `notify.js` and
 * `notify/` are all "notify"). Problems outside the folder (the folder itself cannot be read)
 * come back under `folder`.
 */
export function problemsByFunction(problems: readonly CodedProblem[], functionsDir: string): { byName: Map<string, CodedProblem[]>; folder: CodedProblem[] } {
  const byName = new Map<string, CodedProblem[]>();
  const folder: CodedProblem[] = [];
  for (const problem of problems) {
    const inside = relative(functionsDir, problem.file);
    if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) {
      folder.push(problem);
      continue;
    }
    const first = inside.split(sep)[0]!;
    const name = first === inside ? basename(first, extname(first)) : first;
    byName.set(name, [...(byName.get(name) ?? []), problem]);
  }
  return { byName, folder };
}

/** Whether two scans found the same function: same files (version), same way to run them. */
export function sameFunction(a: FunctionDefinition, b: FunctionDefinition): boolean {
  if (a === b) return true;
  const setup = (d: FunctionDefinition) => JSON.stringify([d.version, d.runtime, d.entry, d.readablePaths, d.manifestFile ?? null, d.manifest]);
  return setup(a) === setup(b);
}

export function planFunctions(
  current: ReadonlyMap<string, FunctionDefinition>,
  scanned: FunctionCatalog,
  problems: ReadonlyMap<string, readonly CodedProblem[]>,
): FunctionPlan {
  const unchanged: string[] = [];
  const candidates: FunctionDefinition[] = [];
  const broken: BrokenFunction[] = [];
  const removed: string[] = [];
  const names = new Set([...current.keys(), ...scanned.names(), ...problems.keys()]);
  for (const name of [...names].sort()) {
    const old = current.get(name);
    const found = scanned.get(name);
    const trouble = problems.get(name);
    if (trouble && trouble.length > 0) broken.push({ name, problems: trouble, kept: old !== undefined });
    else if (!found) {
      if (old) removed.push(name);
    } else if (old && sameFunction(old, found)) unchanged.push(name);
    else candidates.push(found);
  }
  return { unchanged, candidates, broken, removed };
}
