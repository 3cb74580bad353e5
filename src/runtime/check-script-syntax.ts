// Syntax checks of Python and shell functions, so that `validate`, `start` and a hot reload
// report a broken script with its file and line (and a reload keeps the last good version)
// instead of the script failing at its first event. A script is parsed by the interpreter
// that will run it, without running it: Python compiles it (no .pyc written), the shell
// reads it with -n. A binary, or a script for another interpreter, is not checked.

import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ConfigProblem } from '../errors.js';
import type { FunctionDefinition } from './function-definition.js';

type Checker = 'python' | 'sh' | 'bash';

/** Python prints where the error is as JSON: line, column, message. */
const pythonCheck = [
  'import json, sys',
  'path = sys.argv[1]',
  'try:',
  '    compile(open(path, "rb").read(), path, "exec", dont_inherit=True)',
  'except SyntaxError as e:',
  '    print(json.dumps({"line": e.lineno or 1, "column": e.offset or 1, "message": f"SyntaxError: {e.msg}"}))',
  '    sys.exit(1)',
].join('\n');

/** The first line's interpreter (`#!/usr/bin/env python3` → python3), if the file has one. */
async function shebangInterpreter(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    if (!first.startsWith('#!')) return undefined;
    const words = first.slice(2).trim().split(/\s+/u);
    const program = basename(words[0] ?? '') === 'env' ? words.find((w, i) => i > 0 && !w.startsWith('-')) : words[0];
    return program && basename(program);
  } finally {
    await handle.close();
  }
}

async function checkerFor(fn: FunctionDefinition): Promise<Checker | undefined> {
  const interpreter = await shebangInterpreter(fn.entry);
  if (interpreter && /^python3?(\.\d+)?$/u.test(interpreter)) return 'python';
  if (interpreter === 'bash') return 'bash';
  if (interpreter === 'sh' || interpreter === 'dash') return 'sh';
  if (interpreter) return undefined; // another interpreter: not ours to parse
  if (fn.runtime === 'python') return 'python';
  if (fn.runtime === 'shell') return 'sh';
  return undefined;
}

function run(command: string, args: string[]): Promise<{ failed: boolean; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' }, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ failed: Boolean(error), stdout, stderr, missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
  });
}

/** `f.sh: 3: Syntax error: …` (dash) or `f.sh: line 3: syntax error …` (bash). */
function shellError(stderr: string): { line: number; message: string } {
  const first = stderr.split('\n').find((l) => l.trim() !== '') ?? 'cannot be parsed';
  const match = /: (?:line )?(\d+): (.*)$/u.exec(first);
  return match ? { line: Number(match[1]), message: match[2]! } : { line: 1, message: first };
}

/** The syntax error of a Python or shell function, or undefined when it parses (or is not checked). */
export async function checkScriptSyntax(fn: FunctionDefinition): Promise<ConfigProblem | undefined> {
  const checker = await checkerFor(fn);
  if (!checker) return undefined;
  const at = (line: number, column: number, message: string): ConfigProblem =>
    ({ file: fn.entry, line, column, path: '', message: `function ${fn.name}: ${message}` });
  if (checker === 'python') {
    const result = await run('python3', ['-c', pythonCheck, fn.entry]);
    if (result.missing) return at(1, 1, 'python3 is not installed, so this function cannot run: sudo apt-get install -y python3');
    if (!result.failed) return undefined;
    try {
      const error = JSON.parse(result.stdout) as { line: number; column: number; message: string };
      return at(error.line, error.column, error.message);
    } catch {
      return at(1, 1, result.stderr.trim().split('\n').at(-1) ?? 'cannot be parsed');
    }
  }
  const result = await run(checker === 'bash' ? 'bash' : 'sh', ['-n', fn.entry]);
  if (result.missing) return at(1, 1, `${checker} is not installed, so this function cannot run`);
  if (!result.failed) return undefined;
  const error = shellError(result.stderr);
  return at(error.line, 1, error.message);
}
