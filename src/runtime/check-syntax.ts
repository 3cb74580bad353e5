// `switchboard validate` parses every function's module without running it, so a syntax
// error is reported with file and line before the function is ever invoked. `node --check`
// alone cannot be trusted with `.js` (it let ESM syntax errors through in a folder without
// package.json), so the source is parsed as an ES module and, failing that, as CommonJS.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ConfigProblem } from '../errors.js';
import type { FunctionDefinition } from './function-definition.js';

/** The syntax error of a function's module, or undefined when it parses. */
export async function checkFunctionSyntax(fn: FunctionDefinition): Promise<ConfigProblem | undefined> {
  // Other runtimes are checked when they are prepared (TypeScript) or not at all (executables).
  if (fn.runtime !== 'javascript') return undefined;
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
