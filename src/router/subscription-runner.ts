// Delivers one subscription's events to its function: pulls from the subscription's durable
// consumer, checks the filters, invokes, and settles each message exactly once — ack on
// success, nak with the backoff delay for another attempt, or park in the DLQ after the last.
// Because retries are JetStream redeliveries, a retry scheduled before a crash still happens.
// Every invocation leaves a record (src/invocations/), published without waiting for it.

import { newInvocationId } from '../invocations/invocation-id.js';
import type { Logger } from 'pino';
import type { Bus, ConsumerHandle, DeliveredMessage } from '../bus/bus.js';
import type { SubscriptionConfig } from '../config/types.js';
import type { CloudEventRecord } from '../events/cloudevent.js';
import { eventsStream } from '../events/streams.js';
import { invocationOutcome, type Metrics } from '../metrics.js';
import type { Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import { publishInvocationRecord } from '../invocations/invocation-log.js';
import { buildInvocationRecord, type InvocationFacts } from '../invocations/record.js';
import type { FunctionCatalog } from '../runtime/function-definition.js';
import { retryDelayMs } from './backoff.js';
import { publishDeadLetter, replayForHeader } from './dead-letter.js';
import { chainDepth, functionSourceName, resultEvents } from './function-results.js';
import { createDispatch } from '../events/intake.js';
import { eventSubject } from '../events/subjects.js';
import { InvalidEventError } from '../errors.js';
import { compileFilters, type EventPredicate } from '../filters/compile.js';
import { filterErrorReporter } from './filter-errors.js';

export interface SubscriptionRunnerDeps {
  readonly bus: Bus;
  readonly processor: Processor;
  readonly functions: FunctionCatalog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly defaultTimeoutMs: number;
  readonly ackWaitMs: number;
  /** Events returned by functions deeper than this are dead-lettered (loop protection). */
  readonly maxChainDepth: number;
}

/**
 * A delivery whose outcome was never recorded (appliance stopped or crashed while the
 * function ran) still counts in JetStream's delivery count; beyond the configured attempts
 * the function gets this many more runs before the event is parked.
 */
export const interruptedDeliveriesAllowed = 3;

/** Events one invocation may return (they are published before its trigger is acked). */
export const maxResultEvents = 1000;

export function consumerName(subscription: string): string {
  return `sb-${subscription}`;
}

interface InFlight {
  readonly message: DeliveredMessage;
  settled: boolean;
}

/** One run of the function, as the invocation record tells it. */
interface Run {
  readonly invocation: Invocation;
  readonly startedAt: Date;
  readonly outcome: InvocationOutcome;
}

/** What the router did after a run; filled in as it goes, so a throw leaves 'handed-back'. */
type Settled = { -readonly [K in 'action' | 'publishedEvents' | 'resultProblem' | 'retryDelayMs']: InvocationFacts[K] };

/** Why a function's returned events made its invocation fail. */
interface ResultProblem {
  readonly code: string;
  readonly message: string;
}

export class SubscriptionRunner {
  readonly #sub: SubscriptionConfig;
  readonly #deps: SubscriptionRunnerDeps;
  readonly #matches: EventPredicate;
  readonly #log: Logger;
  readonly #inFlight = new Set<InFlight>();
  #consumer: ConsumerHandle | undefined;
  #stopping = false;
  #idle: (() => void) | undefined;

  constructor(subscription: SubscriptionConfig, deps: SubscriptionRunnerDeps) {
    this.#sub = subscription;
    this.#deps = deps;
    this.#log = deps.logger.child({ subscription: subscription.name, function: subscription.function });
    // Compiled at config load; this reuses that form and only adds where its errors go.
    this.#matches = compileFilters(subscription.filters, {
      onError: filterErrorReporter({ subscription: subscription.name, metrics: deps.metrics, logger: this.#log }),
    });
  }

  get name(): string {
    return this.#sub.name;
  }

  /** Why this subscription is not receiving events, or undefined when it is. */
  problem(): string | undefined {
    if (this.#stopping) return 'stopped';
    if (!this.#consumer) return 'its consumer is not running; restarting it';
    return this.#consumer.problem();
  }

  async start(): Promise<void> {
    this.#consumer = await this.#deps.bus.consume(eventsStream, consumerName(this.#sub.name), (m) => this.#receive(m));
    const consumer = this.#consumer;
    void consumer.ended.then((err) => {
      if (this.#stopping || this.#consumer !== consumer) return;
      this.#consumer = undefined;
      this.#log.error({ err }, 'the consumer stopped; restarting it');
      this.#restart(1);
    });
  }

  /** Keep trying to consume again (with a capped backoff) until it works or we stop. */
  #restart(attempt: number): void {
    const delayMs = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
    setTimeout(() => {
      if (this.#stopping) return;
      this.start().then(
        () => this.#log.info('the consumer is running again'),
        (err: unknown) => {
          this.#log.warn({ err, attempt, delayMs }, 'restarting the consumer failed; trying again');
          this.#restart(attempt + 1);
        },
      );
    }, delayMs).unref();
  }

  /**
   * Stop pulling, give running invocations `graceMs` to finish, then hand the rest back to
   * the bus (nak) so another appliance, or this one after a restart, delivers them again.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    await this.#consumer?.stop().catch((err: unknown) => this.#log.warn({ err }, 'stopping the consumer failed'));
    if (this.#inFlight.size > 0) {
      const idle = new Promise<void>((resolve) => (this.#idle = resolve));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const entry of this.#inFlight) this.#settle(entry, () => entry.message.nak());
    if (this.#inFlight.size > 0) this.#log.warn({ handedBack: this.#inFlight.size }, 'handed unfinished events back to the bus');
  }

  #receive(message: DeliveredMessage): void {
    if (this.#stopping) {
      message.nak();
      return;
    }
    const entry: InFlight = { message, settled: false };
    this.#inFlight.add(entry);
    this.#deliver(entry)
      .catch((err: unknown) => {
        // Never lose an event to a bug here: hand it back for another try.
        this.#log.error({ err, sequence: message.streamSequence }, 'delivering an event failed; handing it back');
        this.#settle(entry, () => message.nak(this.#sub.retry.delayMs));
      })
      .finally(() => {
        this.#inFlight.delete(entry);
        if (this.#inFlight.size === 0) this.#idle?.();
      });
  }

  async #deliver(entry: InFlight): Promise<void> {
    const { message } = entry;
    const replayFor = message.header(replayForHeader);
    if (replayFor !== undefined && replayFor !== this.#sub.name) return this.#settle(entry, () => message.ack());
    const event = parseEvent(message.data);
    const log = this.#log.child({ eventId: event?.id, sequence: message.streamSequence });
    if (!event) {
      log.error('a message on the EVENTS stream is not a CloudEvent; parking it in the DLQ');
      return this.#exhausted(entry, undefined, log, 'SB_EVENT_INVALID: message on the EVENTS stream is not a CloudEvent');
    }
    if (!this.#matches(event)) return this.#settle(entry, () => message.ack());
    const attempt = message.deliveryCount;
    if (attempt === 1 || replayFor !== undefined) this.#deps.metrics.eventsMatched.inc({ subscription: this.#sub.name });
    if (attempt > this.#sub.retry.attempts + interruptedDeliveriesAllowed) {
      // Redeliveries also follow a shutdown's hand-back or a crash mid-invocation, which
      // leave no outcome. Past the attempts plus this margin the event is crash-looping the
      // appliance (or always interrupted): park it instead of running it yet again.
      return this.#exhausted(
        entry, event, log,
        `delivered ${attempt} times, more than ${this.#sub.retry.attempts} attempts plus ${interruptedDeliveriesAllowed} interrupted deliveries (the appliance stopped or crashed during them)`,
      );
    }
    const run = await this.#invoke(event, attempt, entry);
    const settled: Settled = { action: 'handed-back', publishedEvents: 0, resultProblem: undefined, retryDelayMs: undefined };
    try {
      if (entry.settled) return; // handed back during shutdown
      await this.#settleRun(entry, event, run.outcome, settled, log);
    } finally {
      this.#record(run, settled, log);
    }
  }

  /** Ack, nak for a retry, or park: what the outcome asks for. Records each step in `settled`. */
  async #settleRun(entry: InFlight, event: CloudEventRecord, outcome: InvocationOutcome, settled: Settled, log: Logger): Promise<void> {
    const { message } = entry;
    const attempt = message.deliveryCount;
    // Events the function returned are published before the trigger is acked: a crash in
    // between re-runs the function, and the derived ids store its events once.
    const results = outcome.ok ? await this.#publishResults(outcome.result, event, message, log) : { published: 0 };
    settled.publishedEvents = results.published;
    if (outcome.ok && results.problem === undefined) {
      log.debug({ attempt, durationMs: outcome.durationMs }, 'invocation succeeded');
      settled.action = 'acked';
      return this.#settle(entry, () => message.ack());
    }
    if (results.problem) settled.resultProblem = results.problem;
    const problem = outcome.ok ? results.problem! : outcome.error;
    const error = `${problem.code}: ${problem.message}`;
    if (attempt < this.#sub.retry.attempts) {
      const delayMs = retryDelayMs(this.#sub.retry, attempt);
      log.warn({ attempt, attempts: this.#sub.retry.attempts, delayMs, error }, 'invocation failed; will retry');
      this.#deps.metrics.retries.inc({ subscription: this.#sub.name });
      Object.assign(settled, { action: 'retry', retryDelayMs: delayMs });
      return this.#settle(entry, () => message.nak(delayMs));
    }
    log.error({ attempt, error }, 'invocation failed on its last attempt');
    await this.#exhausted(entry, event, log, error);
    settled.action = this.#sub.deadLetter ? 'dead-lettered' : 'dropped';
  }

  async #invoke(event: CloudEventRecord, attempt: number, entry: InFlight): Promise<Run> {
    const definition = this.#deps.functions.get(this.#sub.function);
    const timeoutMs = this.#sub.timeoutMs ?? definition?.manifest.timeoutMs ?? this.#deps.defaultTimeoutMs;
    // In-progress acks keep JetStream from redelivering an event whose function still runs.
    const heartbeat = setInterval(() => entry.settled || entry.message.working(), Math.max(250, this.#deps.ackWaitMs / 3));
    const invocation: Invocation = {
      invocationId: newInvocationId(),
      functionName: this.#sub.function,
      subscription: this.#sub.name,
      event,
      attempt,
      timeoutMs,
    };
    const startedAt = new Date();
    try {
      const outcome = await this.#deps.processor.invoke(invocation);
      const errorCode = outcome.ok ? undefined : outcome.error.code;
      this.#deps.metrics.invocations.inc({ function: this.#sub.function, outcome: invocationOutcome(errorCode) });
      this.#deps.metrics.invocationDuration.observe({ function: this.#sub.function }, outcome.durationMs / 1000);
      return { invocation, startedAt, outcome };
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Keep the invocation's record, without waiting: the record is for the operator, and
   * storing it must never hold up, fail or repeat the event's delivery.
   */
  #record(run: Run, settled: Settled, log: Logger): void {
    const failed = (err: unknown) => {
      this.#deps.metrics.invocationRecordsFailed.inc();
      log.warn({ err, invocationId: run.invocation.invocationId }, 'the invocation record was not stored; the event was handled regardless');
    };
    try {
      const record = buildInvocationRecord({ ...run, ...settled, attempts: this.#sub.retry.attempts });
      publishInvocationRecord(this.#deps.bus, record).catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  /**
   * Publishes what the function returned (see function-results.ts). Returns how many were
   * published and why the invocation must count as failed (a returned event is invalid),
   * if it must. An event past the chain limit is dead-lettered instead: a loop of functions
   * stops there.
   */
  async #publishResults(result: unknown, trigger: CloudEventRecord, message: DeliveredMessage, log: Logger): Promise<{ published: number; problem?: ResultProblem }> {
    const events = resultEvents(result, trigger, this.#sub.function, this.#sub.name);
    let published = 0;
    if (events.length === 0) return { published };
    if (events.length > maxResultEvents) {
      // A fan-out that multiplies at every level of a chain: refuse it whole rather than publish part.
      return { published, problem: { code: 'SB_EVENT_INVALID', message: `function ${this.#sub.function} returned ${events.length} events; at most ${maxResultEvents} per invocation are published: return fewer (batch them in one event's data)` } };
    }
    const dispatch = createDispatch(this.#deps.bus, functionSourceName(this.#sub.function));
    for (const [index, candidate] of events.entries()) {
      if (chainDepth(candidate as CloudEventRecord) > this.#deps.maxChainDepth) {
        const error = `SB_CHAIN_TOO_DEEP: function ${this.#sub.function} returned an event ${this.#deps.maxChainDepth + 1} functions deep (functions.maxChainDepth ${this.#deps.maxChainDepth}): a loop? It was dead-lettered instead of published`;
        log.error({ type: candidate['type'] }, error);
        await publishDeadLetter(this.#deps.bus, {
          event: candidate as CloudEventRecord,
          subscription: this.#sub.name,
          function: this.#sub.function,
          attempts: message.deliveryCount,
          error,
          originalSubject: eventSubject(functionSourceName(this.#sub.function), String(candidate['type'])),
          originalSequence: message.streamSequence,
          key: `${message.streamSequence}:${index}`,
        });
        this.#deps.metrics.deadLettered.inc({ subscription: this.#sub.name });
        continue;
      }
      try {
        await dispatch(candidate);
        published += 1;
      } catch (err) {
        if (err instanceof InvalidEventError) {
          return { published, problem: { code: err.code, message: `function ${this.#sub.function} returned an invalid CloudEvent: ${err.message}` } };
        }
        throw err; // bus unavailable: the trigger is handed back and retried
      }
    }
    log.debug({ published }, 'published the events the function returned');
    return { published };
  }

  async #exhausted(entry: InFlight, event: CloudEventRecord | undefined, log: Logger, error: string): Promise<void> {
    const { message } = entry;
    if (!this.#sub.deadLetter && event) {
      log.error({ error }, 'event dropped after its last attempt (deadLetter: false)');
      return this.#settle(entry, () => message.ack());
    }
    const parked = event ?? ({ specversion: '1.0', id: `seq-${message.streamSequence}`, source: 'switchboard', type: 'invalid', data_base64: Buffer.from(message.data).toString('base64') } as const);
    await publishDeadLetter(this.#deps.bus, {
      event: parked,
      subscription: this.#sub.name,
      function: this.#sub.function,
      attempts: message.deliveryCount,
      error,
      originalSubject: message.subject,
      originalSequence: message.streamSequence,
    });
    this.#deps.metrics.deadLettered.inc({ subscription: this.#sub.name });
    log.error({ error }, 'event parked in the dead-letter queue');
    this.#settle(entry, () => message.ack());
  }

  #settle(entry: InFlight, settle: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    settle();
  }
}

function parseEvent(data: Uint8Array): CloudEventRecord | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return value as CloudEventRecord;
  } catch {
    // fall through: not JSON
  }
  return undefined;
}
