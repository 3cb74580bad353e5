import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { invocationIdExample, invocationIdTime, newInvocationId } from '../../src/invocations/invocation-id.js';

const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('invocation ids', () => {
  it('are UUIDv7s: version 7, variant 10, the start time in their first 48 bits (RFC 9562 §5.7)', () => {
    const before = Date.now();
    const id = newInvocationId();
    expect(id).toMatch(shape);
    const time = invocationIdTime(id)!;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
    // The RFC's example: 2022-02-22T19:22:22Z is 0x017F22E279B0 ms.
    expect(newInvocationId(Date.parse('2022-02-22T19:22:22.000Z')).slice(0, 13)).toBe('017f22e2-79b0');
    expect(invocationIdTime('017F22E2-79B0-7CC3-98C4-DC0C0C07398F')).toBe(Date.parse('2022-02-22T19:22:22.000Z'));
  });

  it('keep the time to the millisecond across the whole 48-bit range', () => {
    for (const t of [0, 1, 65_535, 65_536, 1_700_000_000_123, 2 ** 32, 2 ** 48 - 1]) {
      const id = newInvocationId(t);
      expect(id).toMatch(shape);
      expect(invocationIdTime(id)).toBe(t);
    }
  });

  it('sort by the time they were made, millisecond by millisecond', () => {
    const ids = Array.from({ length: 50 }, (_, i) => newInvocationId(1_700_000_000_000 + i * 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('do not repeat, across many batches of random bytes', () => {
    const t = Date.now();
    const ids = new Set(Array.from({ length: 20_000 }, () => newInvocationId(t)));
    expect(ids.size).toBe(20_000);
    for (const id of [...ids].slice(0, 1_000)) expect(id).toMatch(shape);
  });

  it('have no time when they are not UUIDv7s', () => {
    expect(invocationIdTime(randomUUID())).toBeUndefined(); // version 4
    expect(invocationIdTime('no-such-id')).toBeUndefined();
    expect(invocationIdTime('')).toBeUndefined();
    expect(invocationIdTime(`${newInvocationId()}x`)).toBeUndefined();
    expect(invocationIdTime('0190f3c2-6b1e-7a4d-1c1e-2f0a8b3c4d5e')).toBeUndefined(); // variant 0
    expect(invocationIdTime(invocationIdExample)).toBe(0x0190f3c26b1e);
  });
});
