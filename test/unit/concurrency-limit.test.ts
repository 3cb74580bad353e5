import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../processors/local/executable/concurrency-limit.js';

describe('concurrency limit', () => {
  it('lets `limit` through at once and the rest in arrival order', async () => {
    const gate = new ConcurrencyLimit();
    const order: number[] = [];
    expect(await gate.acquire(1)).toBe(true);
    const second = gate.acquire(1).then((ok) => { order.push(2); return ok; });
    const third = gate.acquire(1).then((ok) => { order.push(3); return ok; });
    gate.release(1);
    expect(await second).toBe(true);
    gate.release(1);
    expect(await third).toBe(true);
    expect(order).toEqual([2, 3]);
    gate.release(1);
    expect(gate.idle).toBe(true);
  });

  it('refuses whoever waits once shutting down', async () => {
    const gate = new ConcurrencyLimit();
    await gate.acquire(1);
    const waiting = gate.acquire(1);
    gate.refuse();
    expect(await waiting).toBe(false);
    expect(await gate.acquire(5)).toBe(false);
  });
});
