import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../processors/captured-output.js';
import { WorkerOutput } from '../../processors/local/worker-output.js';
import type { Invocation } from '../../processors/processor.js';

const logger = pino({ level: 'silent' });

describe('captured output of an invocation', () => {
  it('keeps lines in order with their stream, level and time', () => {
    const capture = new OutputCapture();
    capture.add('log', 'info', 'first', '2026-01-01T00:00:00.000Z');
    capture.add('stderr', 'warn', 'second');
    const { lines, truncated } = capture.result();
    expect(truncated).toBe(false);
    expect(lines.map((l) => [l.stream, l.level, l.msg])).toEqual([['log', 'info', 'first'], ['stderr', 'warn', 'second']]);
    expect(lines[0]!.at).toBe('2026-01-01T00:00:00.000Z');
    expect(Number.isNaN(Date.parse(lines[1]!.at))).toBe(false);
  });

  it('stops at 200 lines by default and says it dropped the rest', () => {
    const capture = new OutputCapture();
    for (let i = 0; i < 250; i++) capture.add('log', 'info', `line ${i}`);
    const { lines, truncated } = capture.result();
    expect(lines).toHaveLength(200);
    expect(lines.at(-1)!.msg).toBe('line 199');
    expect(truncated).toBe(true);
  });

  it('keeps at most 64 KiB of text, cutting the line that crosses the limit', () => {
    const capture = new OutputCapture();
    const line = 'x'.repeat(10_000);
    for (let i = 0; i < 10; i++) capture.add('stdout', 'info', line);
    const { lines, truncated } = capture.result();
    expect(truncated).toBe(true);
    expect(lines.reduce((n, l) => n + Buffer.byteLength(l.msg), 0)).toBe(64 * 1024);
    expect(lines).toHaveLength(7);
  });

  it('never cuts a character in half', () => {
    const capture = new OutputCapture({ maxBytes: 5 });
    capture.add('log', 'info', 'ab€€'); // 2 + 3 + 3 bytes: only 'ab€' fits
    expect(capture.result()).toEqual({ lines: [expect.objectContaining({ msg: 'ab€' })], truncated: true });
  });
});

describe('a worker captures what its running invocation says', () => {
  const invocation = { invocationId: 'inv-1', functionName: 'f', subscription: 's', event: { id: 'e1' }, attempt: 1, timeoutMs: 1000 } as unknown as Invocation;

  it('takes its context.log and console lines, and lines said outside any invocation meanwhile, not another invocation\'s', () => {
    const output = new WorkerOutput(logger, 8192);
    output.log({ type: 'log', invocationId: 'inv-0', level: 'info', msg: 'before it started' }, undefined);
    output.startCapture('inv-1');
    output.log({ type: 'log', invocationId: null, level: 'debug', msg: 'init ran' }, invocation);
    output.log({ type: 'log', invocationId: 'inv-1', level: 'info', msg: 'working on e1', fields: { vm: 'web-01' } }, invocation);
    output.log({ type: 'log', invocationId: 'inv-0', level: 'warn', msg: 'a stray timer of an earlier invocation' }, invocation);
    output.log({ type: 'log', invocationId: 'inv-1', level: 'error', msg: 'giving up' }, invocation);
    const captured = output.finishCapture('inv-1');
    expect(captured?.lines.map((l) => `${l.stream} ${l.level} ${l.msg}`)).toEqual([
      'log debug init ran', 'log info working on e1', 'log error giving up',
    ]);
    output.log({ type: 'log', invocationId: 'inv-1', level: 'info', msg: 'after it ended' }, undefined);
    expect(output.finishCapture('inv-1')).toBeUndefined();
  });

  it('takes raw stdout and stderr lines that arrive while it runs', async () => {
    const output = new WorkerOutput(logger, 8192);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    output.attach(stdout, 'stdout', 123);
    output.attach(stderr, 'stderr', 123);
    stdout.write('not ours\n');
    await new Promise((r) => setImmediate(r));
    output.startCapture('inv-1');
    stdout.write('hello from ');
    stdout.write('stdout\n\n');
    stderr.write('oops\n');
    await new Promise((r) => setImmediate(r));
    expect(output.finishCapture('inv-1')?.lines.map((l) => `${l.stream} ${l.level} ${l.msg}`)).toEqual([
      'stdout info hello from stdout', 'stderr warn oops',
    ]);
  });
});

describe('a worker with invocations queued behind the running one', () => {
  it("gives each its own tagged lines, and raw output to the one running", async () => {
    const output = new WorkerOutput(logger, 8192);
    const stdout = new PassThrough();
    output.attach(stdout, 'stdout', 123);
    output.startCapture('inv-1');
    output.startCapture('inv-2'); // queued: inv-1 runs
    stdout.write('raw from the first\n');
    await new Promise((r) => setImmediate(r));
    output.log({ type: 'log', invocationId: 'inv-1', level: 'info', msg: 'first says' }, undefined);
    expect(output.finishCapture('inv-1')?.lines.map((l) => l.msg)).toEqual(['raw from the first', 'first says']);
    output.makeCurrent('inv-2');
    output.log({ type: 'log', invocationId: 'inv-2', level: 'info', msg: 'second says' }, undefined);
    stdout.write('raw from the second\n');
    await new Promise((r) => setImmediate(r));
    expect(output.finishCapture('inv-2')?.lines.map((l) => l.msg)).toEqual(['second says', 'raw from the second']);
  });
});

describe('captured output limits are per stream', () => {
  it('keeps stderr when stdout floods', () => {
    const capture = new OutputCapture({ maxLines: 3 });
    for (let i = 0; i < 10; i++) capture.add('stdout', 'info', `out ${i}`);
    capture.add('stderr', 'warn', 'why it failed');
    const { lines, truncated } = capture.result();
    expect(truncated).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual(['out 0', 'out 1', 'out 2', 'why it failed']);
  });
});

describe('a worker bounds what it logs per invocation', () => {
  it('stops logging past the budget, says so once, and logs again for the next invocation', async () => {
    const { MAX_LOGGED_CHARS } = await import('../../processors/local/worker-output.js');
    const lines: Array<{ msg: string; level: number }> = [];
    const sink = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
    const output = new WorkerOutput(sink, 8192);
    const invocation = { invocationId: 'inv-1', functionName: 'f', subscription: 's', event: { id: 'e1' }, attempt: 1, timeoutMs: 1000 } as unknown as Invocation;
    output.startCapture('inv-1');
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 1000; i++) output.log({ type: 'log', invocationId: 'inv-1', level: 'info', msg: line }, invocation);
    const logged = lines.filter((l) => l.msg === line).length;
    expect(logged).toBeGreaterThanOrEqual(MAX_LOGGED_CHARS / 1000);
    expect(logged).toBeLessThan(MAX_LOGGED_CHARS / 1000 + 2);
    expect(lines.filter((l) => String(l.msg).includes('the rest of it is not logged'))).toHaveLength(1);
    expect(output.finishCapture('inv-1')?.truncated).toBe(true); // the record's own bound
    output.startCapture('inv-2');
    output.log({ type: 'log', invocationId: 'inv-2', level: 'info', msg: 'next one' }, { ...invocation, invocationId: 'inv-2' } as Invocation);
    expect(lines.at(-1)!.msg).toBe('next one');
  });
});
