import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { compileFilters } from '../../src/filters/compile.js';
import { createMetrics } from '../../src/metrics.js';
import { filterErrorReporter } from '../../src/router/filter-errors.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const event = (id: string, extra: Record<string, unknown> = {}) =>
  ({ specversion: '1.0', id, source: '/s', type: 't', priority: 5, level: 0, ...extra }) as CloudEventRecord;

async function counted(registry: Registry, subscription: string, kind: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'switchboard_filter_errors_total');
  const value = (metric?.values ?? []).find((v) => v.labels.subscription === subscription && v.labels.kind === kind);
  return Number(value?.value ?? 0);
}

describe('filter evaluation errors', () => {
  it('do not match, count every error by kind, and log at most once per interval per kind', async () => {
    const metrics = createMetrics({ deadLetterDepth: async () => 0, sourceStates: () => [] });
    const { logger, lines } = capture();
    let now = 0;
    const onError = filterErrorReporter({ subscription: 'divide', metrics, logger, intervalMs: 60_000, now: () => now });
    const matches = compileFilters([{ cesql: 'priority / level > 1' }], { onError });
    for (let i = 0; i < 1000; i++) expect(matches(event(`e${i}`))).toBe(false);
    expect(await counted(metrics.registry, 'divide', 'math')).toBe(1000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, eventId: 'e0', kind: 'math', expression: 'priority / level > 1' });
    expect(String(lines[0]!.msg)).toContain('division by zero');

    // Another kind is logged on its own; the same kind again only after the interval, with the count it held back.
    expect(compileFilters([{ cesql: 'missing = 1' }], { onError })(event('m1'))).toBe(false);
    expect(lines).toHaveLength(2);
    expect(await counted(metrics.registry, 'divide', 'missingAttribute')).toBe(1);
    now = 60_000;
    matches(event('late'));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ eventId: 'late', kind: 'math', notLoggedSince: 999 });
  });

  it('leave other filters and events alone: a good event still matches', () => {
    const metrics = createMetrics({ deadLetterDepth: async () => 0, sourceStates: () => [] });
    const onError = filterErrorReporter({ subscription: 's', metrics, logger: capture().logger });
    const matches = compileFilters([{ any: [{ cesql: 'priority / level > 1' }, { exact: { type: 't' } }] }], { onError });
    expect(matches(event('e1'))).toBe(true);
    expect(compileFilters([{ cesql: 'priority / level > 1' }], { onError })(event('e2', { level: 2 }))).toBe(true);
  });
});
