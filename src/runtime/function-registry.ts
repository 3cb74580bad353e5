// Finds the functions in functions.dir: a file `<name>.<ext>` (a runtime's extension, or any
// executable file) with an optional `<name>.yaml` sidecar, or a folder `<name>/` with
// `index.<ext>` or `handler.<ext>` and an optional `function.yaml`.
// Every problem found is collected (not thrown one by one) so the loader reports them all.

import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { throwIfProblems, type CodedProblem } from '../config/problems.js';
import type { ReadYamlOptions } from '../config/read-yaml.js';
import type { FunctionsConfig } from '../config/types.js';
import type { FunctionCatalog, FunctionDefinition, FunctionManifest, FunctionRuntime } from './function-definition.js';
import { defaultManifest, readManifest } from './function-manifest.js';
import { functionVersion } from './function-version.js';

/** The runtime of each extension a function file may have. */
export const runtimeByExtension: Readonly<Record<string, FunctionRuntime>> = {
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript',
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.py': 'python',
  '.sh': 'shell',
};
export const functionExtensions = Object.keys(runtimeByExtension);
/** Entry file names of a folder function, before the extension. */
const folderEntryNames = ['index', 'handler'];
/** Executable files with these extensions are data or docs, not functions. */
const notFunctions: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json', '.md', '.txt', '.toml', '.ini', '.conf', '.lock']);
const manifestExtension = '.yaml';
const folderManifest = 'function.yaml';
const functionName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Where to point when the folder itself is the problem (functions.dir, or the config file). */
export type DirLocation = Omit<ConfigProblem, 'message'>;

export interface ScanOptions extends ReadYamlOptions {
  readonly dirLocation?: DirLocation;
  /** functions.dir was not written: say the default was used. */
  readonly dirDefaulted?: boolean;
}

export interface ScanResult {
  readonly catalog: FunctionCatalog;
  readonly problems: CodedProblem[];
  /** False when the folder itself could not be read (so every function is "missing"). */
  readonly folderRead: boolean;
}

class MapCatalog implements FunctionCatalog {
  readonly #byName: ReadonlyMap<string, FunctionDefinition>;
  constructor(definitions: readonly FunctionDefinition[]) {
    this.#byName = new Map(definitions.map((d) => [d.name, d]));
  }
  get(name: string): FunctionDefinition | undefined {
    return this.#byName.get(name);
  }
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }
}

export function createFunctionCatalog(definitions: readonly FunctionDefinition[]): FunctionCatalog {
  return new MapCatalog(definitions);
}

// Not functions: dotfiles, docs, dependencies.
const ignored = (name: string): boolean => name.startsWith('.') || name === 'node_modules' || /^readme/i.test(name);

interface Entry {
  readonly path: string;
  readonly runtime: FunctionRuntime;
}

interface Candidate {
  readonly name: string;
  readonly kind: 'file' | 'folder';
  readonly entries: Entry[];
  readonly readablePaths: string[];
  readonly manifestFile?: string;
  readonly where: string;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The runtime a file runs with, or undefined when it is not a function (data, docs). */
function runtimeOf(fileName: string, mode: number): FunctionRuntime | undefined {
  const ext = extname(fileName);
  const known = runtimeByExtension[ext];
  if (known) return known;
  // Any other file with an execute bit runs as itself (a binary, a Ruby or Perl script…).
  return (mode & 0o111) !== 0 && !notFunctions.has(ext) ? 'executable' : undefined;
}

async function folderCandidate(dir: string, name: string): Promise<Candidate> {
  const folder = join(dir, name);
  const entries: Entry[] = [];
  for (const file of (await readdir(folder).catch(() => [] as string[])).sort()) {
    const ext = extname(file);
    if (!folderEntryNames.includes(ext ? file.slice(0, -ext.length) : file)) continue;
    const info = await stat(join(folder, file)).catch(() => undefined);
    const runtime = info?.isFile() ? runtimeOf(file, info.mode) : undefined;
    if (runtime) entries.push({ path: join(folder, file), runtime });
  }
  const manifest = join(folder, folderManifest);
  return { name, kind: 'folder', entries, readablePaths: [folder], where: folder, ...((await isFile(manifest)) ? { manifestFile: manifest } : {}) };
}

/** Candidates by name; more than one entry for a name is reported by the caller. */
async function findCandidates(dir: string, names: string[]): Promise<{ candidates: Map<string, Candidate[]>; sidecars: Set<string> }> {
  const candidates = new Map<string, Candidate[]>();
  const sidecars = new Set<string>();
  const add = (c: Candidate) => candidates.set(c.name, [...(candidates.get(c.name) ?? []), c]);
  for (const entry of names.filter((n) => !ignored(n)).sort()) {
    const path = join(dir, entry);
    const info = await stat(path).catch(() => undefined);
    const ext = extname(entry);
    if (info?.isDirectory()) add(await folderCandidate(dir, entry));
    else if (info?.isFile() && ext === manifestExtension) sidecars.add(entry.slice(0, -ext.length));
    else if (info?.isFile()) {
      const runtime = runtimeOf(entry, info.mode);
      const name = ext ? entry.slice(0, -ext.length) : entry;
      if (runtime) add({ name, kind: 'file', entries: [{ path, runtime }], readablePaths: [path], where: path });
    }
  }
  return { candidates, sidecars };
}

const fileProblem = (file: string, message: string, code: CodedProblem['code'] = 'SB_CONFIG_INVALID'): CodedProblem =>
  ({ file, line: 1, column: 1, path: '', message, code });

async function readDir(dir: string, options: ScanOptions): Promise<string[] | CodedProblem> {
  try {
    return await readdir(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    const where = options.dirLocation ?? { file: dir, line: 1, column: 1, path: '' };
    const defaulted = options.dirDefaulted ? ' (functions.dir is not set, so the default ./functions beside the config is used)' : '';
    return { ...where, code: 'SB_CONFIG_INVALID', message: `the functions folder ${dir} ${reason}${defaulted}: create it or set functions.dir to the folder holding your functions` };
  }
}

/** The functions in `functions.dir` and every problem with them. */
export async function scanFunctions(functions: FunctionsConfig, options: ScanOptions): Promise<ScanResult> {
  const listing = await readDir(functions.dir, options);
  if (!Array.isArray(listing)) return { catalog: createFunctionCatalog([]), problems: [listing], folderRead: false };
  const { candidates, sidecars } = await findCandidates(functions.dir, listing);
  const problems: CodedProblem[] = [];
  const definitions: FunctionDefinition[] = [];
  for (const [name, found] of candidates) {
    const only = found[0]!;
    const entries = found.flatMap((c) => c.entries);
    if (!functionName.test(name)) problems.push(fileProblem(only.where, `"${name}" is not a valid function name: use letters, digits, - and _, starting with a letter or digit`));
    else if (entries.length > 1) problems.push(fileProblem(only.where, `function "${name}" is defined more than once (${entries.map((e) => e.path).join(', ')}): keep one`));
    else if (entries.length === 0) problems.push(fileProblem(only.where, `folder function "${name}" has no entry file: add index.js, index.ts, handler.py, handler.sh (or any executable named index or handler), or move the folder out of ${functions.dir}`));
    else {
      const sidecar = only.kind === 'file' && sidecars.has(name) ? join(functions.dir, `${name}${manifestExtension}`) : undefined;
      const manifestFile = only.manifestFile ?? sidecar;
      let manifest: FunctionManifest = defaultManifest(functions);
      const entry = entries[0]!;
      if (manifestFile) {
        const read = await readManifest(manifestFile, functions, options, entry.runtime);
        problems.push(...read.problems);
        // Still listed when its manifest is broken: "function not found" would only be noise.
        manifest = read.manifest ?? manifest;
      }
      const version = await functionVersion(entry.path, only.kind === 'folder' ? only.where : undefined, manifestFile);
      definitions.push({ name, runtime: entry.runtime, entry: entry.path, version, readablePaths: only.readablePaths, ...(manifestFile ? { manifestFile } : {}), manifest });
    }
  }
  // A sidecar without its module would have its triggers silently ignored.
  for (const name of sidecars) {
    const found = candidates.get(name) ?? [];
    if (found.some((c) => c.kind === 'file')) continue;
    const message = found.some((c) => c.kind === 'folder')
      ? `ignored: the manifest of folder function "${name}" is ${name}/${folderManifest}; move it there`
      : `manifest without a function: add ${name}.js, ${name}.ts, ${name}.py, ${name}.sh (or an executable ${name}) beside it, or remove it`;
    problems.push(fileProblem(join(functions.dir, `${name}${manifestExtension}`), message, 'SB_FUNCTION_MANIFEST_INVALID'));
  }
  return { catalog: createFunctionCatalog(definitions), problems, folderRead: true };
}

/** scanFunctions for callers that want the catalog or one ConfigError. */
export async function loadFunctionCatalog(functions: FunctionsConfig, options: ScanOptions): Promise<FunctionCatalog> {
  const { catalog, problems } = await scanFunctions(functions, options);
  throwIfProblems(problems);
  return catalog;
}
