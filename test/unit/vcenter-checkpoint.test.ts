import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../sources/source.js';
import { Checkpoint, formatCheckpoint, parseCheckpoint } from '../../sources/vcenter/checkpoint.js';
import { OrderedPublisher, type Publication } from '../../sources/vcenter/ordered-publisher.js';
import type { KeyValue } from '../../src/bus/bus.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { BusUnavailableError, InvalidEventError } from '../../src/errors.js';

interface Pending {
  readonly id: string;
  resolve(): void;
  reject(err: Error): void;
}

/** A dispatch whose stores the test completes, in any order. */
function controlledDispatch() {
  const pending = new Map<string, Pending>();
  const order: string[] = [];
  const dispatch = (candidate: Record<string, unknown>): Promise<StoredEvent> => {
    const id = String(candidate['id']);
    order.push(id);
    return new Promise((resolve, reject) => {
      pending.set(id, {
        id,
        resolve: () => resolve({ event: candidate as unknown as CloudEventRecord, sequence: 1, duplicate: false }),
        reject,
      });
    });
  };
  return { dispatch, pending, order };
}

const flush = () => new Promise((r) => setImmediate(r));
const publication = (key: number): Publication => ({ key, candidate: { id: String(key) } });

function publisher(limits = { maxInFlight: 100, highWater: 1000 }) {
  const control = controlledDispatch();
  const advanced: number[] = [];
  const unstored: number[] = [];
  const refused: number[] = [];
  let drained = 0;
  const p = new OrderedPublisher(control.dispatch, {
    stored: () => {},
    refused: (pub) => void refused.push(pub.key!),
    unstored: (pub) => void unstored.push(pub.key!),
    advanced: (key) => void advanced.push(key),
    drained: () => void (drained += 1),
  }, limits);
  return { p, ...control, advanced, unstored, refused, drained: () => drained };
}

describe('ordered publishing and the checkpoint it allows', () => {
  it('dispatches without waiting for each store, in Key order', () => {
    const t = publisher();
    for (const key of [10, 12, 15]) t.p.submit(publication(key));
    expect(t.order).toEqual(['10', '12', '15']);
    expect(t.p.inFlight).toBe(3);
  });

  it('advances only over the stored prefix when stores land out of order', async () => {
    const t = publisher();
    for (const key of [10, 12, 15, 20]) t.p.submit(publication(key));
    t.pending.get('15')!.resolve();
    t.pending.get('12')!.resolve();
    await flush();
    expect(t.advanced).toEqual([]);
    t.pending.get('10')!.resolve();
    await flush();
    expect(t.advanced).toEqual([15]);
    t.pending.get('20')!.resolve();
    await flush();
    expect(t.advanced).toEqual([15, 20]);
  });

  it('never advances past a store that failed for now, and stops dispatching', async () => {
    const t = publisher({ maxInFlight: 2, highWater: 1000 });
    for (const key of [1, 2, 3, 4]) t.p.submit(publication(key));
    expect(t.order).toEqual(['1', '2']);
    t.pending.get('1')!.reject(new BusUnavailableError('no ack'));
    t.pending.get('2')!.resolve();
    await flush();
    expect(t.unstored).toEqual([1]);
    expect(t.p.halted).toBe(true);
    expect(t.advanced).toEqual([]);
    expect(t.order).toEqual(['1', '2']); // 3 and 4 were not sent: the server replays them
    await t.p.settled();
  });

  it('passes over an event the intake refuses as invalid (it never becomes valid)', async () => {
    const t = publisher();
    for (const key of [1, 2, 3]) t.p.submit(publication(key));
    t.pending.get('2')!.reject(new InvalidEventError('time: not RFC 3339'));
    t.pending.get('1')!.resolve();
    t.pending.get('3')!.resolve();
    await flush();
    expect(t.refused).toEqual([2]);
    expect(t.advanced.at(-1)).toBe(3);
    expect(t.p.halted).toBe(false);
  });

  it('lets an event without a key (a gap) hold the checkpoint back until it is stored', async () => {
    const t = publisher();
    t.p.submit({ key: undefined, candidate: { id: 'gap-x' } });
    t.p.submit(publication(7));
    t.pending.get('7')!.resolve();
    await flush();
    expect(t.advanced).toEqual([]);
    t.pending.get('gap-x')!.resolve();
    await flush();
    expect(t.advanced).toEqual([7]);
  });

  it('keeps at most maxInFlight stores open and asks the reader to pause above the high-water mark', async () => {
    const t = publisher({ maxInFlight: 2, highWater: 4 });
    const answers = [1, 2, 3, 4, 5, 6].map((key) => t.p.submit(publication(key)));
    expect(answers).toEqual([true, true, true, true, true, false]);
    expect(t.p.inFlight).toBe(2);
    for (const key of ['1', '2', '3']) {
      t.pending.get(key)!.resolve();
      await flush();
    }
    expect(t.drained()).toBe(1);
    expect(t.p.inFlight).toBe(2);
    expect(t.order).toEqual(['1', '2', '3', '4', '5']);
  });
});

class MemoryKeyValue implements KeyValue {
  readonly values = new Map<string, string>();
  readonly puts: string[] = [];
  failing = false;
  async get(key: string) {
    return this.values.get(key);
  }
  async put(key: string, value: string) {
    if (this.failing) throw new BusUnavailableError('bucket unavailable');
    this.puts.push(value);
    this.values.set(key, value);
  }
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const silent = pino({ level: 'silent' });

describe('the checkpoint in the bucket', () => {
  it('reads back what it wrote, and nothing else', () => {
    const text = formatCheckpoint({ instanceUuid: 'u-1', key: 3_000_000_001 });
    expect(parseCheckpoint(text)).toEqual({ instanceUuid: 'u-1', key: 3_000_000_001 });
    for (const bad of ['', '12', 'null', '{"key":5}', '{"instanceUuid":"u","key":-1}', '{"instanceUuid":"u","key":"5"}']) {
      expect(parseCheckpoint(bad)).toBeUndefined();
    }
  });

  it('resumes from the stored value and keeps it for the same instance only', async () => {
    const kv = new MemoryKeyValue();
    kv.values.set('vc-lab', formatCheckpoint({ instanceUuid: 'u-1', key: 500 }));
    const checkpoint = new Checkpoint(async () => kv, 'vc-lab', silent, 10);
    expect(await checkpoint.load()).toEqual({ instanceUuid: 'u-1', key: 500 });
    expect(checkpoint.adopt('u-1')).toBe('same');
    expect(checkpoint.key).toBe(500);
    expect(checkpoint.adopt('u-2')).toBe('replaced');
    expect(checkpoint.key).toBeUndefined();
  });

  it('writes at most once per interval, the latest key, and never moves back', async () => {
    const kv = new MemoryKeyValue();
    const checkpoint = new Checkpoint(async () => kv, 'vc-lab', silent, 30);
    checkpoint.adopt('u-1');
    for (const key of [1, 5, 9, 4]) checkpoint.advance('u-1', key);
    checkpoint.advance('u-other', 99);
    expect(kv.puts).toEqual([]);
    await waitFor(() => kv.puts.length > 0, 'the first write');
    expect(kv.puts).toEqual([formatCheckpoint({ instanceUuid: 'u-1', key: 9 })]);
    await checkpoint.stop();
    expect(kv.puts).toHaveLength(1);
  });

  it('writes what is stored on stop, at once', async () => {
    const kv = new MemoryKeyValue();
    const checkpoint = new Checkpoint(async () => kv, 'vc-lab', silent, 60_000);
    checkpoint.adopt('u-1');
    checkpoint.advance('u-1', 77);
    await checkpoint.stop();
    expect(parseCheckpoint(kv.values.get('vc-lab')!)).toEqual({ instanceUuid: 'u-1', key: 77 });
  });

  it('retries a write the bucket refused', async () => {
    const kv = new MemoryKeyValue();
    kv.failing = true;
    const checkpoint = new Checkpoint(async () => kv, 'vc-lab', silent, 5, 10);
    checkpoint.adopt('u-1');
    checkpoint.advance('u-1', 3);
    await new Promise((r) => setTimeout(r, 20));
    kv.failing = false;
    await waitFor(() => kv.values.has('vc-lab'), 'the retried write');
    expect(parseCheckpoint(kv.values.get('vc-lab')!)?.key).toBe(3);
    await checkpoint.stop();
  });
});
