import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../../sources/reconnect-backoff.js';
import { SourceStateTracker } from '../../sources/source-state.js';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000 }, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const bottom = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000 }, () => 0);
    expect(bottom.next()).toBe(0);
  });

  it('starts again from the initial delay after a reset', () => {
    const b = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000 }, () => 1);
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('source state', () => {
  it('logs each change of state once, not each repeat', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const state = new SourceStateTracker(logger);
    state.set('degraded', 'connection refused');
    state.set('degraded', 'connection refused (attempt 2)');
    state.set('degraded', 'connection refused (attempt 3)');
    state.set('running');
    expect(lines).toHaveLength(2);
    expect(state.health()).toEqual({ state: 'running' });
  });
});
