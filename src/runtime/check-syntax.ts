// `switchboard validate` parses every function's module without running it, so a syntax
// error is reported with file and line before the function is ever invoked. `node --check`
// alone cannot be trusted with `.js` (it let ESM syntax errors through in a folder without
// package.json), so the source is parsed as an ES module and, failing that, as CommonJS.
// TypeScript is compiled as the processor will compile it (esbuild, typescript.ts), without
// writing anything: a syntax error or an import that cannot be resolved, never a type error.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ConfigProblem } from '../errors.js';
import type { FunctionCatalog, FunctionDefinition } from './function-definition.js';
import { typescriptProblem } from './typescript.js';
import { checkScriptSyntax } from './check-script-syntax.js';

/** The syntax error of a function's module, or undefined when it parses. */
export async function checkFunctionSyntax(fn: FunctionDefinition): Promise<ConfigProblem | undefined> {
  if (fn.runtime === 'typescript') {
    const found = await typescriptProblem(fn);
    return found && { ...found, message: `function ${fn.name}: ${found.message}` };
  }
  // Python and shell scripts by their interpreter; binaries are not checked.
  if (fn.runtime !== 'javascript') return checkScriptSyntax(fn);
  const source = await readFile(fn.entry, 'utf8');
  const asModule = await parse(source, 'module');
  if (!asModule || fn.entry.endsWith('.mjs')) return asModule && problem(fn, asModule);
  const asCommonJs = await parse(source, 'commonjs');
  return asCommonJs ? problem(fn, asModule) : undefined;
}

interface ParseError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

function parse(source: string, inputType: 'module' | 'commonjs'): Promise<ParseError | undefined> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [`--input-type=${inputType}`, '--check'],
      { env: {}, timeout: 15_000 },
      (error, _stdout, stderr) => resolve(error ? parseError(stderr) : undefined),
    );
    child.stdin?.end(source);
  });
}

/** `[stdin]:12` / the source line / a caret under the column / … / `SyntaxError: …` */
function parseError(stderr: string): ParseError {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /^\[stdin\]:\d+/u.test(l));
  const line = at >= 0 ? Number(/^\[stdin\]:(\d+)/u.exec(lines[at]!)![1]) : 1;
  const caret = at >= 0 ? (lines[at + 2] ?? '').indexOf('^') : -1;
  const message = lines.find((l) => /^\w*Error: /u.test(l)) ?? lines.filter(Boolean).at(-1) ?? 'cannot be parsed';
  return { line, column: caret >= 0 ? caret + 1 : 1, message };
}

function problem(fn: FunctionDefinition, error: ParseError): ConfigProblem {
  return { file: fn.entry, line: error.line, column: error.column, path: '', message: `function ${fn.name}: ${error.message}` };
}

/** Every function's problem, a few at a time (each JavaScript check starts a node process). */
export async function checkAllFunctionSyntax(catalog: FunctionCatalog, concurrency = 4): Promise<ConfigProblem[]> {
  const names = catalog.names();
  const found: ConfigProblem[] = [];
  const next = async (): Promise<void> => {
    for (let name = names.shift(); name !== undefined; name = names.shift()) {
      const fn = catalog.get(name);
      const problem = fn && (await checkFunctionSyntax(fn).catch((error: unknown) => unreadable(fn, error)));
      if (problem) found.push(problem);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, next));
  return found.sort((a, b) => a.file.localeCompare(b.file));
}

function unreadable(fn: FunctionDefinition, error: unknown): ConfigProblem {
  const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
  return { file: fn.entry, line: 1, column: 1, path: '', message: `function ${fn.name} cannot be checked (${why})` };
}
