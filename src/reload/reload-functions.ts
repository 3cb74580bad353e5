// One reload of the functions folder, function by function: what the rescan found is
// planned (function-changes.ts), each new or changed function is copied (its snapshot) and
// its module parsed, and a function that fails any of that keeps its last good version.

import type { CodedProblem } from '../config/problems.js';
import { checkFunctionSyntax } from '../runtime/check-syntax.js';
import type { FunctionCatalog } from '../runtime/function-definition.js';
import type { ScanResult } from '../runtime/function-registry.js';
import { planFunctions, problemsByFunction } from './function-changes.js';
import type { FunctionSnapshots } from './function-snapshots.js';
import type { LoadedFunction } from './live-catalog.js';

export interface FunctionsSummary {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  /** Broken in the folder; the last good version keeps serving. */
  readonly keptBroken: string[];
  /** New and broken: not loaded. */
  readonly broken: string[];
}

export interface FunctionProblem extends CodedProblem {
  readonly function: string;
  /** Whether its last good version goes on serving (else it is not loaded at all). */
  readonly kept: boolean;
}

export interface FunctionsReload {
  /** The functions to serve once the reload is applied. */
  readonly loaded: ReadonlyMap<string, LoadedFunction>;
  readonly summary: FunctionsSummary;
  readonly problems: readonly FunctionProblem[];
  /** Copies taken by this reload: discard them if it is not applied. */
  readonly fresh: readonly LoadedFunction[];
  /** What stops serving when it is applied (changed or removed functions). */
  readonly replaced: readonly LoadedFunction[];
}

/** Problems that are about the folder, not one function (it cannot be read): reload nothing. */
export function folderProblems(scan: ScanResult, functionsDir: string): CodedProblem[] {
  return scan.folderRead ? problemsByFunction(scan.problems, functionsDir).folder : scan.problems;
}

export async function reloadFunctions(
  current: ReadonlyMap<string, LoadedFunction>,
  scanned: FunctionCatalog,
  scanProblems: readonly CodedProblem[],
  functionsDir: string,
  snapshots: FunctionSnapshots,
): Promise<FunctionsReload> {
  const sources = new Map([...current].map(([name, l]) => [name, l.source]));
  const plan = planFunctions(sources, scanned, problemsByFunction(scanProblems, functionsDir).byName);
  const loaded = new Map<string, LoadedFunction>();
  const summary: FunctionsSummary = { added: [], changed: [], removed: [...plan.removed], keptBroken: [], broken: [] };
  const problems: FunctionProblem[] = [];
  const fresh: LoadedFunction[] = [];
  const replaced = plan.removed.map((name) => current.get(name)!);
  const broken = (name: string, found: readonly CodedProblem[]) => {
    const old = current.get(name);
    if (old) loaded.set(name, old);
    (old ? summary.keptBroken : summary.broken).push(name);
    problems.push(...found.map((p) => ({ ...p, function: name, kept: old !== undefined })));
  };
  for (const name of plan.unchanged) loaded.set(name, current.get(name)!);
  for (const { name, problems: found } of plan.broken) broken(name, found);
  for (const candidate of plan.candidates) {
    const old = current.get(candidate.name);
    const taken = await snapshots.take(candidate);
    if (!taken) {
      // Changed while being copied: the event of that change brings another reload.
      if (old) loaded.set(candidate.name, old);
      continue;
    }
    const syntax = await syntaxProblem(taken);
    if (syntax) {
      snapshots.discard(taken);
      broken(candidate.name, [syntax]);
      continue;
    }
    loaded.set(candidate.name, taken);
    fresh.push(taken);
    if (old) replaced.push(old);
    (old ? summary.changed : summary.added).push(candidate.name);
  }
  return { loaded, summary, problems, fresh, replaced };
}

/** The syntax error of the copy that would run, pointed at the file in the functions folder. */
async function syntaxProblem(fn: LoadedFunction): Promise<CodedProblem | undefined> {
  const { source, running } = fn;
  try {
    const problem = await checkFunctionSyntax(running);
    if (!problem) return undefined;
    return { ...problem, file: problem.file === running.entry ? source.entry : problem.file, code: 'SB_FUNCTION_LOAD_FAILED' };
  } catch (err) {
    return { file: source.entry, line: 1, column: 1, path: '', message: `function ${source.name} cannot be read: ${String(err)}`, code: 'SB_FUNCTION_LOAD_FAILED' };
  }
}
