// What the mqtt source tests share: a fake bus standing for the intake (it validates like the
// intake and can be made slow or unavailable), a publishing client, and sources started
// against one broker with what they counted and logged, all stopped after each test.

import { connectAsync, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { createMqttSource, type MqttConfig, type MqttSource } from '../../sources/mqtt/index.js';
import type { Dispatch, SourceDeps } from '../../sources/source.js';
import { BusUnavailableError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { eventually } from './appliance.js';

/** The intake, reduced: validates, then stores — or waits until released, or is unavailable. */
export class FakeBus {
  readonly events: CloudEventRecord[] = [];
  calls = 0;
  mode: 'store' | 'unavailable' | 'hold' = 'store';
  #release: (() => void) | undefined;
  readonly dispatch: Dispatch = async (candidate) => {
    this.calls += 1;
    const event = validateCloudEvent(candidate);
    if (this.mode === 'unavailable') throw new BusUnavailableError('JetStream did not acknowledge the publish: no responders');
    if (this.mode === 'hold') await new Promise<void>((resolve) => (this.#release = resolve));
    this.events.push(event);
    return { event, sequence: this.events.length, duplicate: false };
  };
  get holding(): boolean {
    return this.#release !== undefined;
  }
  release(): void {
    this.mode = 'store';
    this.#release?.();
    this.#release = undefined;
  }
}

export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly [key: string]: unknown;
}

export interface StartedSource {
  readonly bus: FakeBus;
  readonly source: MqttSource;
  readonly outcomes: string[];
  readonly logs: LogLine[];
  readonly reconnects: () => number;
  stop(): Promise<void>;
}

export function silentDeps(): SourceDeps {
  return {
    logger: pino({ level: 'silent' }),
    http: { route: () => {}, unroute: () => {} },
    countReceived: () => {},
    countReconnect: () => {},
    countLost: () => {},
    checkpoints: () => Promise.reject(new Error('not used')),
  };
}

export interface MqttHarness {
  readonly publisher: MqttClient;
  publish(topic: string, payload: string | Buffer, options?: IClientPublishOptions): Promise<unknown>;
  /** Starts a source (a fresh client id unless given) and waits until it runs. */
  startSource(config: Partial<MqttConfig> & { topics: string[] }, bus?: FakeBus): Promise<StartedSource>;
  /** Stops the sources still running: call in afterEach. */
  stopAll(): Promise<void>;
  close(): Promise<void>;
}

let serial = 0;

export async function createMqttHarness(brokerUrl: string): Promise<MqttHarness> {
  const publisher = await connectAsync(brokerUrl, { protocolVersion: 5, clientId: `test-publisher-${++serial}`, reconnectPeriod: 200 });
  const running = new Set<{ source: MqttSource; abort: AbortController }>();
  return {
    publisher,
    publish: (topic, payload, options = { qos: 1 }) => publisher.publishAsync(topic, payload, options),
    async startSource(config, bus = new FakeBus()) {
      const outcomes: string[] = [];
      const logs: LogLine[] = [];
      let reconnects = 0;
      const deps: SourceDeps = {
        ...silentDeps(),
        logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) }),
        countReceived: (outcome) => outcomes.push(outcome),
        countReconnect: () => (reconnects += 1),
      };
      const source = createMqttSource({ name: 'sensors', type: 'mqtt', url: brokerUrl, clientId: `test-${++serial}`, ...config }, deps, {
        backoff: { initialMs: 50, maxMs: 400 },
        connectTimeoutMs: 2_000,
      });
      const entry = { source, abort: new AbortController() };
      running.add(entry);
      await source.start(bus.dispatch, entry.abort.signal);
      await eventually(() => source.health().state === 'running', 10_000, 'the source running');
      return {
        bus, source, outcomes, logs, reconnects: () => reconnects,
        async stop() {
          running.delete(entry);
          entry.abort.abort();
          await source.stopped;
        },
      };
    },
    async stopAll() {
      for (const entry of running) {
        entry.abort.abort();
        await entry.source.stopped;
      }
      running.clear();
    },
    async close() {
      await publisher.endAsync(true);
    },
  };
}
