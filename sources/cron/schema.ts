// The `cron` entry of `sources:`: when to tick (a 5- or 6-field cron expression in a time
// zone), and what each tick's event carries. The expression and the zone are checked when
// the config is loaded, so a typo is reported at its line and nothing starts.

import { validateDetailed } from 'node-cron';
import type { SourceConfigProblem } from '../source.js';

export interface CronConfig {
  readonly name: string;
  readonly type: 'cron';
  readonly schedule: string;
  /** IANA time zone the schedule is read in; the machine's when absent. */
  readonly timezone?: string;
  /** Any JSON value, carried as each tick's `data`. */
  readonly data?: unknown;
  readonly eventType?: string;
}

export const defaultEventType = 'com.switchboard.cron.tick';

export const cronSchema = {
  type: 'object',
  description: 'Produces one CloudEvent per tick of a cron schedule. Several appliances on one NATS cluster running the same source produce each tick once.',
  required: ['name', 'type', 'schedule'],
  additionalProperties: false,
  properties: {
    name: { $ref: '#/$defs/sourceName' },
    type: { const: 'cron' },
    schedule: {
      type: 'string',
      minLength: 1,
      description:
        'A cron expression: 5 fields (minute hour day-of-month month day-of-week, e.g. "0 3 * * *" daily at 03:00) or 6 with seconds first (e.g. "*/10 * * * * *" every 10 seconds).',
    },
    timezone: {
      type: 'string',
      minLength: 1,
      description: 'IANA time zone the schedule is read in, e.g. Europe/Berlin or UTC. Default: the machine\'s.',
    },
    data: { description: 'Any value; each tick\'s event carries it as its data (application/json).' },
    eventType: { type: 'string', minLength: 1, default: defaultEventType, description: `CloudEvent type of each tick. Default ${defaultEventType}.` },
  },
} as const;

/** Checks the schema cannot express: the expression parses and the zone exists. */
export function validateCronConfig(config: CronConfig): readonly SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [];
  const schedule = scheduleProblem(config.schedule);
  if (schedule) problems.push({ path: ['schedule'], message: schedule });
  if (config.timezone !== undefined && !isTimeZone(config.timezone)) {
    problems.push({ path: ['timezone'], message: `"${config.timezone}" is not a time zone: write an IANA name such as Europe/Berlin, America/New_York or UTC` });
  }
  return problems;
}

function scheduleProblem(schedule: string): string | undefined {
  const { valid, errors } = validateDetailed(schedule);
  if (valid) return undefined;
  const why = errors.map((e) => e.message).join('; ') || 'it does not parse';
  return `"${schedule}" is not a cron expression (${why}): write 5 fields (minute hour day-of-month month day-of-week, e.g. "0 3 * * *") or 6 with seconds first`;
}

/** True when the runtime's time zone database knows `zone` (what node-cron uses too). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
