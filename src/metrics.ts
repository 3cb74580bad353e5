// Everything the appliance counts, in one registry served at /metrics (Prometheus format).
// Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** outcome: accepted, duplicate, invalid, malformed, too_large, unsupported, unavailable, error */
  readonly eventsReceived: Counter<'source' | 'outcome'>;
  readonly eventsMatched: Counter<'subscription'>;
  /** Filter evaluation errors (CESQL error kinds: math, cast, missingAttribute…); the event did not match. */
  readonly filterErrors: Counter<'subscription' | 'kind'>;
  /** outcome: success, failure, timeout, crash, load_failed, not_found */
  readonly invocations: Counter<'function' | 'outcome'>;
  readonly invocationDuration: Histogram<'function'>;
  readonly retries: Counter<'subscription'>;
  readonly deadLettered: Counter<'subscription'>;
  readonly deadLetterDepth: Gauge;
  /** Invocation records the bus did not store (the invocation itself went on). */
  readonly invocationRecordsFailed: Counter;
  /** Events each source stored on the bus (duplicates included: the sender was answered). */
  readonly sourcePublished: Counter<'source'>;
  /** What each source received but did not publish, by reason. */
  readonly sourceRefused: Counter<'source' | 'reason'>;
  readonly sourceReconnects: Counter<'source'>;
  /** Events an upstream reported lost to a source (vCenter retention gaps). */
  readonly sourceLost: Counter<'source'>;
  /** 1 for each source's current state (starting, running, degraded, stopped), else 0. */
  readonly sourceState: Gauge<'source' | 'state'>;
}

export interface MetricsOptions {
  readonly deadLetterDepth: () => Promise<number>;
  /** Each source's current state, read at scrape time. */
  readonly sourceStates: () => Iterable<{ source: string; state: string }>;
}

const sourceStates = ['starting', 'running', 'degraded', 'stopped'] as const;

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_process_' });
  return {
    registry,
    eventsReceived: new Counter({
      name: 'switchboard_events_received_total',
      help: 'Events received by each source, by outcome (accepted = stored on the bus).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    eventsMatched: new Counter({
      name: 'switchboard_events_matched_total',
      help: 'Events that matched each subscription (counted per delivery attempt 1).',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    filterErrors: new Counter({
      name: 'switchboard_filter_errors_total',
      help: "Errors evaluating a subscription's filters, by CESQL error kind (the event did not match that subscription).",
      labelNames: ['subscription', 'kind'],
      registers: [registry],
    }),
    invocations: new Counter({
      name: 'switchboard_invocations_total',
      help: 'Function invocations, by function and outcome.',
      labelNames: ['function', 'outcome'],
      registers: [registry],
    }),
    invocationDuration: new Histogram({
      name: 'switchboard_invocation_duration_seconds',
      help: 'How long each invocation ran, by function.',
      labelNames: ['function'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'switchboard_retries_total',
      help: 'Failed invocations handed back to the bus for another attempt, by subscription.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'switchboard_dead_lettered_total',
      help: 'Events moved to the DLQ stream after their last attempt, by subscription.',
      labelNames: ['subscription'],
      registers: [registry],
    }),
    invocationRecordsFailed: new Counter({
      name: 'switchboard_invocation_records_failed_total',
      help: 'Invocation records that could not be stored on the bus (the events were delivered regardless).',
      registers: [registry],
    }),
    sourcePublished: new Counter({
      name: 'switchboard_source_events_published_total',
      help: 'Events each source stored on the bus.',
      labelNames: ['source'],
      registers: [registry],
    }),
    sourceRefused: new Counter({
      name: 'switchboard_source_events_refused_total',
      help: 'What each source received but did not publish, by reason.',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    sourceReconnects: new Counter({
      name: 'switchboard_source_reconnects_total',
      help: 'Reconnect attempts of each source to its upstream.',
      labelNames: ['source'],
      registers: [registry],
    }),
    sourceLost: new Counter({
      name: 'switchboard_source_events_lost_total',
      help: 'Events an upstream reported as lost before the source could read them (e.g. a vCenter retention gap; an estimate where keys are not contiguous).',
      labelNames: ['source'],
      registers: [registry],
    }),
    sourceState: new Gauge({
      name: 'switchboard_source_state',
      help: "1 for each source's current state, 0 for the others.",
      labelNames: ['source', 'state'],
      registers: [registry],
      collect() {
        for (const { source, state } of options.sourceStates()) {
          for (const s of sourceStates) this.set({ source, state: s }, s === state ? 1 : 0);
        }
      },
    }),
    deadLetterDepth: new Gauge({
      name: 'switchboard_dlq_depth',
      help: 'Events waiting in the DLQ stream.',
      registers: [registry],
      async collect() {
        try {
          // A scrape must answer while the bus is down: give up on the depth after 1 s.
          const depth = await Promise.race([
            options.deadLetterDepth(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref()),
          ]);
          this.set(depth);
        } catch {
          // Bus unreachable: leave the last known value rather than fail the whole scrape.
        }
      },
    }),
  };
}

/** Outcome label of an invocation error code. */
export function invocationOutcome(code: string | undefined): string {
  switch (code) {
    case undefined: return 'success';
    case 'SB_FUNCTION_TIMEOUT': return 'timeout';
    case 'SB_FUNCTION_CRASHED': return 'crash';
    case 'SB_FUNCTION_LOAD_FAILED': return 'load_failed';
    case 'SB_FUNCTION_NOT_FOUND': return 'not_found';
    default: return 'failure';
  }
}
