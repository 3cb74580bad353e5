// Builds every configured source from the registry, hands each its own dispatch, and keeps
// them apart: one source failing to start, or failing later, is that source's state in
// /readyz and /metrics, never the appliance's end.

import type { Logger } from 'pino';
import type { Bus, KeyValue } from './bus/bus.js';
import type { ResolvedConfig } from './config/types.js';
import { createDispatch } from './events/intake.js';
import type { Metrics } from './metrics.js';
import type { HttpRoutes, Source, SourceType } from '../sources/source.js';
import { sourceTypes } from '../sources/registry.js';

/** The bucket sources keep their checkpoints in (one key per source name). */
export const checkpointBucket = 'switchboard-checkpoints';

/** Outcomes that mean the event was published; every other outcome is a refusal. */
const publishedOutcomes = new Set(['accepted', 'duplicate']);

export interface RunningSources {
  readonly list: readonly Source[];
  readonly started: Promise<void>;
  /** Abort every source and wait (at most `graceMs`) for those that finish work after it. */
  stop(graceMs?: number): Promise<void>;
}

export function runSources(config: ResolvedConfig, bus: Bus, http: HttpRoutes, metrics: Metrics, logger: Logger): RunningSources {
  const abort = new AbortController();
  let bucket: Promise<KeyValue> | undefined;
  // A failed open is not cached: the next caller (a source retrying) tries again.
  const checkpoints = () =>
    (bucket ??= bus.keyValue(checkpointBucket).catch((err: unknown) => {
      bucket = undefined;
      throw err;
    }));
  const list: Source[] = [];
  const starts: Promise<void>[] = [];
  for (const sourceConfig of config.sources) {
    const name = sourceConfig.name;
    const type = (sourceTypes as Record<string, SourceType<unknown>>)[sourceConfig.type];
    if (!type) throw new Error(`source ${name}: unknown type ${sourceConfig.type}`); // the schema refuses this first
    let source: Source;
    try {
      source = type.create(sourceConfig, {
      logger: logger.child({ source: name }),
      http,
      countReceived: (outcome) => {
        metrics.eventsReceived.inc({ source: name, outcome });
        if (!publishedOutcomes.has(outcome)) metrics.sourceRefused.inc({ source: name, reason: outcome });
      },
      countReconnect: () => metrics.sourceReconnects.inc({ source: name }),
      countLost: (events) => metrics.sourceLost.inc({ source: name }, events),
      checkpoints,
    });
    } catch (err) {
      // One source that cannot even be built is that source's failure, not the appliance's.
      logger.error({ err, source: name }, 'source could not be created');
      source = brokenSource(name, sourceConfig.type, err);
    }
    list.push(source);
    const dispatch = createDispatch(bus, name);
    starts.push(
      source
        .start(async (candidate) => {
          const stored = await dispatch(candidate);
          metrics.sourcePublished.inc({ source: name });
          return stored;
        }, abort.signal)
        .catch((err: unknown) => {
          logger.error({ err, source: name }, 'source failed to start');
        }),
    );
  }
  return {
    list,
    started: Promise.all(starts).then(() => undefined),
    async stop(graceMs = 5_000) {
      abort.abort();
      let timer: NodeJS.Timeout | undefined;
      const finished = Promise.all(list.map((s) => s.stopped ?? Promise.resolve()));
      await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    },
  };
}

function brokenSource(name: string, type: string, err: unknown): Source {
  const detail = `could not be created: ${err instanceof Error ? err.message : String(err)}`;
  return { name, type, start: async () => undefined, health: () => ({ state: 'degraded', detail }) };
}
