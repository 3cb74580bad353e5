// Python, shell and any executable, run by the local processor the way the appliance runs
// them: found by the real function registry, one process per invocation in the real
// bubblewrap sandbox, with the event on stdin and CE_* / SWITCHBOARD_* in the environment,
// results as JSON lines on fd 3, output captured, and timeouts killing the whole tree.

import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import type { CapturedLine, Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionsConfig } from '../../src/config/types.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';

const sleepMarker = `${3000 + Math.floor(Math.random() * 1000)}.${process.pid}`;

/** Files of the functions folder: name → [content, mode]. */
const files: Record<string, [string, number]> = {
  // A folder function, run as `python3 handler.py` (no exec bit).
  'py-hello/handler.py': [`import json, os, sys
event = json.load(sys.stdin)
print("python got", event["id"])
with os.fdopen(3, "w") as out:
    out.write(json.dumps({"specversion": "1.0", "type": "com.example.py", "data": {"event": event, "env": dict(os.environ), "cwd": os.getcwd()}}) + "\\n")
`, 0o644],
  // A single-file shell function, run as `/bin/sh sh-hello.sh`.
  'sh-hello.sh': [`input=$(cat)
echo "stdin: $input"
env | sort
echo "to stderr" >&2
`, 0o644],
  // Any executable: a script with a shebang and no extension.
  'tool': [`#!/bin/sh
bytes=$(wc -c)
printf '{"specversion":"1.0","type":"com.example.tool","data":{"id":"%s","attempt":"%s","deadline":"%s","stdinBytes":%s,"subject":"%s"}}\\n' "$CE_ID" "$SWITCHBOARD_ATTEMPT" "$SWITCHBOARD_DEADLINE" "$bytes" "$CE_SUBJECT" >&3
printf '{"specversion":"1.0","type":"com.example.tool.second"}\\n' >&3
`, 0o755],
  'fails.sh': [`echo starting
echo "connecting to vCenter" >&2
echo "vCenter said no to web-01" >&2
exit 3
`, 0o644],
  'chatty.sh': [`head -c 20000 /dev/zero | tr '\\0' x; echo
echo short line
yes 'abcdefghijklmnopqrstuvwxyz' | head -n 10000
echo "still on stderr" >&2
`, 0o644],
  'bad-results.sh': [`printf '{"specversion":"1.0","type":"ok"}\\n' >&3
echo 'this is not json' >&3
`, 0o644],
  'sleeper.sh': [`sleep ${sleepMarker} &
sleep ${sleepMarker}
`, 0o644],
  'parallel.sh': [`start=$(date +%s%N)
sleep 0.4
end=$(date +%s%N)
printf '{"specversion":"1.0","type":"t","data":{"start":%s,"end":%s}}\\n' "$start" "$end" >&3
`, 0o644],
  'parallel.yaml': ['concurrency: 2\n', 0o644],
  'py-hello/function.yaml': ['env:\n  GREETING: hello\n', 0o644],
};

const hasCompiler = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const cProgram = `#include <stdio.h>
#include <stdlib.h>
int main(void) {
  long n = 0; int c;
  while ((c = getchar()) != EOF) n++;
  FILE *out = fdopen(3, "w");
  if (!out) return 9;
  fprintf(out, "{\\"specversion\\":\\"1.0\\",\\"type\\":\\"com.example.c\\",\\"data\\":{\\"id\\":\\"%s\\",\\"function\\":\\"%s\\",\\"stdinBytes\\":%ld}}\\n", getenv("CE_ID"), getenv("SWITCHBOARD_FUNCTION"), n);
  return 0;
}
`;

let root: string;
let tmpRoot: string;
let processor: Processor;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sb-exec-'));
  tmpRoot = await mkdtemp(join(tmpdir(), 'sb-exec-tmp-'));
  const dir = join(root, 'functions');
  for (const [path, [content, mode]] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
    await chmod(join(dir, path), mode);
  }
  if (hasCompiler) {
    await writeFile(join(root, 'counter.c'), cProgram);
    execFileSync('cc', ['-O2', '-o', join(dir, 'counter'), join(root, 'counter.c')]);
    await chmod(join(dir, 'counter'), 0o755);
  }
  const functions: FunctionsConfig = {
    dir, defaultTimeoutMs: 10_000, defaultMemoryMb: 256, maxWorkersPerFunction: 4, maxChainDepth: 8, secretsDir: join(root, 'secrets'), sandbox: 'required',
  };
  const { catalog, problems } = await scanFunctions(functions, { env: {} });
  expect(problems).toEqual([]);
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  processor = createLocalProcessor({ functions: catalog, logger, tmpRoot, maxLogLineLength: 1000, protectedPaths: [dir] });
});

afterAll(async () => {
  await processor?.close(1000);
  if (tmpRoot) expect(await readdir(tmpRoot)).toEqual([]); // every invocation's private area removed
  await Promise.all([root, tmpRoot].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

let counter = 0;
function invocation(functionName: string, data: unknown = { vm: 'web-01' }, timeoutMs = 10_000): Invocation {
  counter += 1;
  return {
    invocationId: `inv-${counter}`, functionName, subscription: 'vm-events', attempt: 2, timeoutMs,
    event: {
      specversion: '1.0', id: `evt-${counter}`, source: '/vc-lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'web-01',
      time: '2024-05-01T10:00:00Z', datacontenttype: 'application/json', switchboarddepth: 1, data,
    },
  };
}

function events(outcome: InvocationOutcome): Array<{ type: string; data: Record<string, unknown> }> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as Array<{ type: string; data: Record<string, unknown> }>;
}

function errorOf(outcome: InvocationOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

const messages = (outcome: InvocationOutcome, stream?: CapturedLine['stream']) =>
  (outcome.output?.lines ?? []).filter((l) => !stream || l.stream === stream).map((l) => l.msg);

describe('executable functions', () => {
  it('runs a Python function with the event on stdin, CE_* and SWITCHBOARD_* in its env, in its folder', async () => {
    const inv = invocation('py-hello');
    const before = Date.now();
    const outcome = await processor.invoke(inv);
    const [result] = events(outcome);
    expect(result!.type).toBe('com.example.py');
    expect(result!.data.event).toEqual(inv.event);
    expect(result!.data.cwd).toBe('/function');
    const env = result!.data.env as Record<string, string>;
    expect(env).toMatchObject({
      CE_ID: inv.event.id, CE_TYPE: inv.event.type, CE_SOURCE: '/vc-lab', CE_SUBJECT: 'web-01', CE_TIME: '2024-05-01T10:00:00Z',
      CE_SPECVERSION: '1.0', CE_DATACONTENTTYPE: 'application/json', CE_SWITCHBOARDDEPTH: '1',
      SWITCHBOARD_FUNCTION: 'py-hello', SWITCHBOARD_INVOCATION_ID: inv.invocationId, SWITCHBOARD_ATTEMPT: '2',
      GREETING: 'hello', HOME: '/tmp', TMPDIR: '/tmp', PATH: '/usr/local/bin:/usr/bin:/bin',
    });
    expect(env.CE_DATA).toBeUndefined();
    expect(Number(env.SWITCHBOARD_DEADLINE)).toBeGreaterThanOrEqual(before + 10_000);
    expect(messages(outcome, 'stdout')).toEqual([`python got ${inv.event.id}`]);
  });

  it('runs a shell function with /bin/sh: stdin, env and both streams captured and logged', async () => {
    const inv = invocation('sh-hello');
    const outcome = await processor.invoke(inv);
    expect(events(outcome)).toEqual([]);
    const stdout = messages(outcome, 'stdout');
    expect(stdout[0]).toBe(`stdin: ${JSON.stringify(inv.event)}`);
    expect(stdout).toContain(`CE_ID=${inv.event.id}`);
    expect(stdout).toContain('SWITCHBOARD_FUNCTION=sh-hello');
    expect(messages(outcome, 'stderr')).toEqual(['to stderr']);
    expect(outcome.output?.lines.find((l) => l.stream === 'stderr')).toMatchObject({ level: 'warn' });
    const logged = logLines.filter((l) => l.invocationId === inv.invocationId);
    expect(logged.map((l) => l.msg)).toContain('to stderr');
    for (const line of logged) expect(line).toMatchObject({ function: 'sh-hello', eventId: inv.event.id, subscription: 'vm-events' });
  });

  it('runs an executable with a shebang directly, and returns the CloudEvents it wrote on fd 3', async () => {
    const inv = invocation('tool');
    const result = events(await processor.invoke(inv));
    expect(result.map((e) => e.type)).toEqual(['com.example.tool', 'com.example.tool.second']);
    expect(result[0]!.data).toMatchObject({ id: inv.event.id, attempt: '2', subject: 'web-01', stdinBytes: Buffer.byteLength(JSON.stringify(inv.event)) });
  });

  it.runIf(hasCompiler)('runs a compiled binary', async () => {
    const inv = invocation('counter');
    expect(events(await processor.invoke(inv))).toEqual([
      { specversion: '1.0', type: 'com.example.c', data: { id: inv.event.id, function: 'counter', stdinBytes: Buffer.byteLength(JSON.stringify(inv.event)) } },
    ]);
  });

  it('fails a non-zero exit with SB_FUNCTION_FAILED, the exit code and the end of stderr', async () => {
    const failed = errorOf(await processor.invoke(invocation('fails')));
    expect(failed.code).toBe('SB_FUNCTION_FAILED');
    expect(failed.message).toContain('function fails exited with code 3');
    expect(failed.message).toContain('vCenter said no to web-01');
  });

  it('bounds captured output: long lines cut, past 64 KiB per stream dropped, truncated flagged', async () => {
    const inv = invocation('chatty');
    const outcome = await processor.invoke(inv);
    expect(outcome.ok).toBe(true);
    const stdout = messages(outcome, 'stdout');
    expect(stdout[0]!.startsWith('x'.repeat(1000))).toBe(true);
    expect(stdout[0]).toContain('line cut at 1000 characters');
    expect(stdout[1]).toBe('short line');
    expect(stdout.join('\n').length).toBeLessThan(70 * 1024);
    expect(stdout.length).toBeLessThan(10_000);
    expect(outcome.output?.truncated).toBe(true);
    expect(messages(outcome, 'stderr')).toEqual(['still on stderr']);
    const logged = logLines.filter((l) => l.invocationId === inv.invocationId);
    expect(logged.length).toBeLessThan(3000);
    expect(logged.some((l) => String(l.msg).includes('more than 64 KiB on stdout'))).toBe(true);
  });

  it('fails an invocation whose fd 3 holds a line that is not a CloudEvent', async () => {
    const failed = errorOf(await processor.invoke(invocation('bad-results')));
    expect(failed.code).toBe('SB_FUNCTION_FAILED');
    expect(failed.message).toContain('line 2 on fd 3 is not JSON');
    expect(failed.message).toContain('this is not json');
  });

  it('kills the whole process tree at the timeout, a background child included', async () => {
    const sleepers = async () => {
      const found: number[] = [];
      for (const pid of await readdir('/proc')) {
        if (!/^\d+$/u.test(pid)) continue;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline === `sleep\0${sleepMarker}\0`) found.push(Number(pid));
      }
      return found;
    };
    const running = processor.invoke(invocation('sleeper', {}, 1500));
    let seen: number[] = [];
    for (const deadline = Date.now() + 5000; seen.length < 2 && Date.now() < deadline;) {
      seen = await sleepers();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toHaveLength(2); // both sleeps ran: what follows can fail
    const failed = errorOf(await running);
    expect(failed.code).toBe('SB_FUNCTION_TIMEOUT');
    expect(failed.message).toContain('function sleeper ran past its 1500ms timeout and was killed');
    let left = seen;
    for (const deadline = Date.now() + 5000; left.length > 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      left = await sleepers();
    }
    expect(left).toEqual([]);
  });

  it("runs no more invocations at once than the function's concurrency; the rest wait their turn", async () => {
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => processor.invoke(invocation('parallel'))));
    const spans = outcomes.map((o) => events(o)[0]!.data as { start: number; end: number });
    const edges = spans.flatMap((s) => [[s.start, 1], [s.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let most = 0;
    for (const [, delta] of edges) most = Math.max(most, (now += delta));
    expect(most).toBe(2);
  });
});
