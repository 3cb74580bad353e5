import { describe, expect, it } from 'vitest';
import type { Invocation, InvocationOutcome } from '../../processors/processor.js';
import { buildInvocationRecord, maxErrorMessageLength, summarize, type InvocationFacts } from '../../src/invocations/record.js';
import { invocationFilterSubject, invocationSubject, matchesFilter } from '../../src/invocations/subjects.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';

const event: CloudEventRecord = { specversion: '1.0', id: 'evt-1', source: '/vcenter/lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' };
const invocation: Invocation = { invocationId: '6f1c0b1e-0000-4000-8000-000000000001', functionName: 'notify', subscription: 'notify-on-poweroff', event, attempt: 2, timeoutMs: 30_000 };
const startedAt = new Date('2026-03-01T10:00:00.000Z');

function facts(outcome: InvocationOutcome, more: Partial<InvocationFacts> = {}): InvocationFacts {
  return { invocation, attempts: 3, startedAt, outcome, publishedEvents: 0, action: 'acked', ...more };
}

describe('invocation record', () => {
  it('says who ran on what, when, how long, how it ended and what the router did', () => {
    const output = { lines: [{ at: '2026-03-01T10:00:00.010Z', stream: 'log' as const, level: 'info' as const, msg: 'VM web-01 was powered off' }], truncated: false };
    const record = buildInvocationRecord(facts({ ok: true, result: { done: true }, durationMs: 12.345, output }, { publishedEvents: 1 }));
    expect(record).toEqual({
      invocationId: invocation.invocationId,
      function: 'notify',
      subscription: 'notify-on-poweroff',
      eventId: 'evt-1',
      eventType: 'com.vmware.vsphere.VmPoweredOffEvent.v0',
      eventSource: '/vcenter/lab',
      attempt: 2,
      attempts: 3,
      startedAt: '2026-03-01T10:00:00.000Z',
      durationMs: 12.3,
      outcome: 'succeeded',
      output,
      publishedEvents: 1,
      action: 'acked',
    });
  });

  it('names the outcome by the error code and keeps the error and the retry delay', () => {
    const failed = (code: string) => ({ ok: false as const, error: { code, message: 'boom', stack: 'Error: boom\n    at f' }, durationMs: 5 });
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_FAILED'), { action: 'retry', retryDelayMs: 2000 }))).toMatchObject({
      outcome: 'failed', error: { code: 'SB_FUNCTION_FAILED', message: 'boom', stack: 'Error: boom\n    at f' }, action: 'retry', retryDelayMs: 2000,
    });
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_TIMEOUT'))).outcome).toBe('timeout');
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_CRASHED'))).outcome).toBe('crashed');
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_LOAD_FAILED'))).outcome).toBe('load_failed');
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_NOT_FOUND'))).outcome).toBe('not_found');
    // A delay belongs to a retry only.
    expect(buildInvocationRecord(facts(failed('SB_FUNCTION_FAILED'), { action: 'dead-lettered', retryDelayMs: 2000 }))).not.toHaveProperty('retryDelayMs');
  });

  it('counts a function whose returned event is invalid as failed, with that problem as its error', () => {
    const record = buildInvocationRecord(facts({ ok: true, result: {}, durationMs: 1 }, { resultProblem: { code: 'SB_EVENT_INVALID', message: 'no type' }, action: 'retry', retryDelayMs: 1000 }));
    expect(record).toMatchObject({ outcome: 'failed', error: { code: 'SB_EVENT_INVALID', message: 'no type' } });
  });

  it('stays small whatever the function threw or printed', () => {
    const huge = 'x'.repeat(100_000);
    const lines = Array.from({ length: 1_000 }, (_, i) => ({ at: startedAt.toISOString(), stream: 'stdout' as const, level: 'info' as const, msg: `${i} ${'y'.repeat(200)}` }));
    const record = buildInvocationRecord(facts({ ok: false, error: { code: 'SB_FUNCTION_FAILED', message: huge, stack: huge }, durationMs: 1, output: { lines, truncated: false } }));
    expect(record.error!.message.length).toBeLessThan(maxErrorMessageLength + 100);
    expect(record.output.lines.length).toBeLessThanOrEqual(200);
    expect(record.output.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThan(128 * 1024);
  });

  it('has an empty output when the processor captured none', () => {
    expect(buildInvocationRecord(facts({ ok: true, result: 1, durationMs: 1 })).output).toEqual({ lines: [], truncated: false });
  });

  it('is listed without its captured lines and stack', () => {
    const output = { lines: [{ at: startedAt.toISOString(), stream: 'log' as const, level: 'info' as const, msg: 'hi' }], truncated: false };
    const summary = summarize(buildInvocationRecord(facts({ ok: false, error: { code: 'SB_FUNCTION_FAILED', message: 'boom', stack: 's' }, durationMs: 1, output })));
    expect(summary).not.toHaveProperty('output');
    expect(summary.error).toEqual({ code: 'SB_FUNCTION_FAILED', message: 'boom' });
    expect(summary.outputLines).toBe(1);
  });
});

describe('invocation record subjects', () => {
  const record = buildInvocationRecord(facts({ ok: false, error: { code: 'SB_FUNCTION_TIMEOUT', message: 't' }, durationMs: 1 }));

  it('carry only function, subscription and success or failure, outside events.>', () => {
    expect(invocationSubject(record)).toBe('invocations.notify.notify-on-poweroff.failed');
    expect(invocationSubject({ ...record, outcome: 'succeeded' })).toBe('invocations.notify.notify-on-poweroff.succeeded');
  });

  it('are one per subscription and outcome, however many events and invocations: the server keeps state per subject', () => {
    const subjects = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      subjects.add(invocationSubject({ ...record, eventId: `evt-${i}`, invocationId: `inv-${i}`, outcome: i % 3 ? 'succeeded' : 'crashed' }));
    }
    expect([...subjects].sort()).toEqual(['invocations.notify.notify-on-poweroff.failed', 'invocations.notify.notify-on-poweroff.succeeded']);
  });

  it('make the function, subscription and failure filters subject filters, and leave the event id to the record', () => {
    expect(invocationFilterSubject({})).toBe('invocations.*.*.*');
    expect(invocationFilterSubject({ function: 'notify', failed: true })).toBe('invocations.notify.*.failed');
    expect(invocationFilterSubject({ subscription: 's', eventId: 'evt-1' })).toBe('invocations.*.s.*');
  });

  it('escape what subjects cannot hold, the same way for records and filters', () => {
    const odd = { ...record, function: 'a.b *>' };
    expect(invocationSubject(odd)).toBe('invocations.a%2eb%20%2a%3e.notify-on-poweroff.failed');
    expect(invocationFilterSubject({ function: 'a.b *>' })).toBe('invocations.a%2eb%20%2a%3e.*.*');
  });

  it('are checked again on the record, with the event id', () => {
    expect(matchesFilter(record, { function: 'notify', failed: true })).toBe(true);
    expect(matchesFilter(record, { function: 'other' })).toBe(false);
    expect(matchesFilter({ ...record, outcome: 'succeeded' }, { failed: true })).toBe(false);
    expect(matchesFilter(record, { eventId: 'evt-2' })).toBe(false);
    expect(matchesFilter(record, { eventId: 'evt-1', subscription: 'notify-on-poweroff' })).toBe(true);
  });
});
