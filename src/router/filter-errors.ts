// What happens to a filter's evaluation error (a CESQL expression dividing by zero, casting
// "abc" to an integer…): the event simply does not match, the error is counted in
// switchboard_filter_errors_total{subscription,kind}, and logged — at most once per kind
// and interval per subscription, with how many were not logged since, so an expression
// failing on every event of a busy stream cannot flood the log.

import type { Logger } from 'pino';
import type { FilterErrorSink } from '../filters/compile.js';
import type { Metrics } from '../metrics.js';

export const filterErrorLogIntervalMs = 60_000;

export interface FilterErrorReporterOptions {
  readonly subscription: string;
  readonly metrics: Pick<Metrics, 'filterErrors'>;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export function filterErrorReporter(options: FilterErrorReporterOptions): FilterErrorSink {
  const { subscription, metrics, logger } = options;
  const intervalMs = options.intervalMs ?? filterErrorLogIntervalMs;
  const now = options.now ?? Date.now;
  /** kind → when it was last logged and how many came since */
  const logged = new Map<string, { at: number; suppressed: number }>();
  return (error, event) => {
    metrics.filterErrors.inc({ subscription, kind: error.kind });
    const last = logged.get(error.kind);
    const t = now();
    if (last && t - last.at < intervalMs) {
      last.suppressed += 1;
      return;
    }
    logged.set(error.kind, { at: t, suppressed: 0 });
    logger.warn(
      {
        eventId: event.id, kind: error.kind, expression: error.expression,
        ...(last && last.suppressed > 0 ? { notLoggedSince: last.suppressed } : {}),
      },
      `a filter could not be evaluated (${error.kind}: ${error.message}); the event does not match. Further ${error.kind} errors of this subscription are counted in switchboard_filter_errors_total and logged at most once every ${intervalMs / 1000}s`,
    );
  };
}
