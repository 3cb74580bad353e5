// Python and shell functions are parsed by their interpreter (real python3, sh, bash), so a
// broken script is reported with file and line before it runs.

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkFunctionSyntax } from '../../src/runtime/check-syntax.js';
import type { FunctionDefinition, FunctionRuntime } from '../../src/runtime/function-definition.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'sb-script-syntax-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function fn(file: string, runtime: FunctionRuntime, source: string, executable = false): Promise<FunctionDefinition> {
  const entry = join(dir, file);
  await writeFile(entry, source);
  if (executable) await chmod(entry, 0o755);
  return { name: file.split('.')[0]!, runtime, entry, version: 'v', readablePaths: [entry], manifest: {} as FunctionDefinition['manifest'] };
}

describe('syntax of Python and shell functions', () => {
  test('a good script passes', async () => {
    expect(await checkFunctionSyntax(await fn('ok.py', 'python', 'import sys\nprint(sys.stdin.read())\n'))).toBeUndefined();
    expect(await checkFunctionSyntax(await fn('ok.sh', 'shell', 'if [ -n "$CE_ID" ]; then echo "$CE_ID"; fi\n'))).toBeUndefined();
  });

  test('a Python syntax error names the file, line and column', async () => {
    const problem = await checkFunctionSyntax(await fn('bad.py', 'python', 'import json\n\ndef handle(:\n    pass\n'));
    expect(problem).toMatchObject({ file: join(dir, 'bad.py'), line: 3, path: '' });
    expect(problem!.column).toBeGreaterThan(1);
    expect(problem!.message).toMatch(/^function bad: SyntaxError: /);
  });

  test('a shell syntax error names the file and line, with sh or, by its #! line, bash', async () => {
    const sh = await checkFunctionSyntax(await fn('bad.sh', 'shell', 'echo start\nif true; then\n  echo x\n'));
    expect(sh).toMatchObject({ file: join(dir, 'bad.sh'), line: 4 });
    expect(sh!.message).toMatch(/^function bad: .*(end of file|unexpected)/i);
    // [[ ]] is bash: fine under bash, checked with bash because of its #! line.
    expect(await checkFunctionSyntax(await fn('bashy.sh', 'shell', '#!/bin/bash\nif [[ -n "$X" ]]; then echo y; fi\n', true))).toBeUndefined();
    const bash = await checkFunctionSyntax(await fn('badbash.sh', 'shell', '#!/usr/bin/env bash\necho ok\nfi\n', true));
    expect(bash).toMatchObject({ line: 3 });
  });

  test('an executable is checked by its #! interpreter when it is Python or a shell, else not at all', async () => {
    expect(await checkFunctionSyntax(await fn('tool', 'executable', '#!/usr/bin/env python3\ndef x(:\n', true))).toMatchObject({ line: 2 });
    expect(await checkFunctionSyntax(await fn('rubyish', 'executable', '#!/usr/bin/ruby\ndef x(:\n', true))).toBeUndefined();
  });
});
