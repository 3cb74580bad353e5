// The cron source: one CloudEvent per tick of a node-cron schedule, identified by the source
// name and the tick's scheduled time (tick.ts), so that appliances sharing one NATS cluster
// store each tick once. A tick the bus cannot take is retried until the next one is due
// (tick-delivery.ts); a tick node-cron missed (the process was blocked or suspended) is
// still delivered when it is recent enough for the bus to recognise it as a duplicate of
// another appliance's, and counted as lost otherwise.

import { createTask, type ScheduledTask, type TaskContext } from 'node-cron';
import type { Dispatch, Source, SourceDeps, SourceType } from '../source.js';
import { SourceLifecycle } from '../source-state.js';
import { cronSchema, defaultEventType, validateCronConfig, type CronConfig } from './schema.js';
import { TickDelivery, type DeliveryTuning } from './tick-delivery.js';
import { tickId } from './tick.js';

export type { CronConfig } from './schema.js';
export { tickCandidate, tickId } from './tick.js';

export interface CronTuning extends DeliveryTuning {
  /** A missed tick older than this is not delivered late (it is counted as lost). */
  readonly catchUpMs: number;
}

export function cronTuning(): CronTuning {
  // catchUpMs stays under the bus's default duplicate window (2m), so a late tick is still
  // recognised when another appliance stored it on time.
  return { backoff: { initialMs: 200, maxMs: 10_000 }, maxRetryMs: 60_000, catchUpMs: 60_000 };
}

export const cronSource: SourceType<CronConfig> = {
  schema: cronSchema,
  validate: validateCronConfig,
  create: (config, deps) => createCronSource(config, deps),
};

export interface CronSource extends Source {
  /** Resolves once the source stopped and the deliveries in hand finished or gave up. */
  readonly stopped: Promise<void>;
}

export function createCronSource(config: CronConfig, deps: SourceDeps, tuning: Partial<CronTuning> = {}): CronSource {
  const t: CronTuning = Object.freeze({ ...cronTuning(), ...tuning });
  const life = new SourceLifecycle(deps.logger);
  const state = life.state;
  const deliveries = new Set<Promise<void>>();
  return {
    name: config.name,
    type: 'cron',
    stopped: life.stopped,
    health: () => state.health(),
    async start(dispatch: Dispatch, signal: AbortSignal): Promise<void> {
      if (life.abortedBeforeStart(signal)) return;
      const options = { name: config.name, type: config.eventType ?? defaultEventType, ...(config.data === undefined ? {} : { data: config.data }) };
      const delivery = new TickDelivery(options, dispatch, deps, state, t);
      let task: ScheduledTask | undefined;
      const deliver = (scheduled: Date) => {
        if (signal.aborted) return;
        const next = task?.getNextRun()?.getTime();
        const done = delivery.deliver(scheduled, next, signal).finally(() => deliveries.delete(done));
        deliveries.add(done);
      };
      task = createTask(config.schedule, (context: TaskContext) => deliver(context.date), {
        name: `switchboard-${config.name}`,
        ...(config.timezone === undefined ? {} : { timezone: config.timezone }),
        suppressMissedWarning: true,
      });
      // node-cron reports every slot it slept through at once: one warning per such burst.
      let tooOld: Date[] = [];
      const reportTooOld = () => {
        deps.logger.warn({ ticks: tooOld.length, first: tickId(config.name, tooOld[0]!) }, `${tooOld.length} tick(s) missed: the process was blocked or suspended past them, too long ago to deliver late`);
        tooOld = [];
      };
      task.on('execution:missed', (context) => {
        if (signal.aborted) return;
        if (Date.now() - context.date.getTime() <= t.catchUpMs) return deliver(context.date);
        deps.countLost(1);
        if (tooOld.push(context.date) === 1) setTimeout(reportTooOld, 0);
      });
      const stop = () => {
        void Promise.resolve(task.destroy())
          .then(() => Promise.all(deliveries))
          .then(() => {
            state.set('stopped');
            life.finish();
          });
      };
      await task.start();
      state.set('running');
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    },
  };
}
