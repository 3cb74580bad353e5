// A stream whose maxBytes JetStream cannot reserve on its store's disk (a small disk, large
// bus.retention limits): the operator gets an error naming the stream, its size and the key
// to change, not nats-server's bare "insufficient storage resources available".

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { connectNatsBus } from '../../src/bus/nats-bus.js';
import { BusStorageInsufficientError } from '../../src/errors.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

describe('a stream larger than the bus may store', () => {
  let server: TestNatsServer;
  let bus: Bus;
  beforeAll(async () => {
    server = await startNatsServer({ maxFileStore: 8 * 2 ** 20 });
    bus = await connectNatsBus({ servers: [server.url], logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await bus?.close();
    await server?.stop();
  });

  const spec = (maxBytes: number) => ({
    name: 'BIG', subjects: ['big.>'], maxAgeMs: 60_000, maxBytes, maxMessages: -1, duplicateWindowMs: 60_000, replicas: 1,
    retention: 'limits' as const, discard: 'old' as const, limitsKey: 'bus.retention.events',
  });

  it('is refused with SB_BUS_STORAGE_INSUFFICIENT naming the stream, its maxBytes and its key', async () => {
    const refusal = await bus.ensureStream(spec(64 * 2 ** 20)).then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(BusStorageInsufficientError);
    const message = (refusal as Error).message;
    expect(message).toContain('stream BIG (maxBytes 64 MiB)');
    expect(message).toContain('lower bus.retention.events maxBytes');
  });

  it('is created when it fits', async () => {
    await expect(bus.ensureStream(spec(2 * 2 ** 20))).resolves.toBeUndefined();
  });
});
