// The router: one durable JetStream consumer per subscription (its progress, pending
// retries and in-flight limit survive restarts and are shared by appliances on one cluster),
// each narrowed on the server by a filter subject and run by a SubscriptionRunner.

import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { SubscriptionConfig } from '../config/types.js';
import { eventsStream } from '../events/streams.js';
import { consumerFilterSubject } from './filter-subject.js';
import { diffSubscriptions, type SubscriptionChanges } from './subscription-diff.js';
import { consumerName, SubscriptionRunner, type SubscriptionRunnerDeps } from './subscription-runner.js';

export interface RouterHealth {
  readonly subscriptions: number;
  readonly running: number;
  /** Subscriptions not receiving events, with the reason. */
  readonly problems: readonly string[];
}

export class Router {
  readonly #runners = new Map<string, SubscriptionRunner>();
  /** What each runner runs; a reload compares against it. */
  readonly #subscriptions = new Map<string, SubscriptionConfig>();
  /** Runners a reload replaced or removed, finishing their in-flight events. */
  readonly #draining = new Set<Promise<void>>();
  /** Subscriptions a reload could not start, with why (the next reload tries again). */
  readonly #failed = new Map<string, string>();
  readonly #deps: SubscriptionRunnerDeps;
  readonly #log: Logger;
  #stopped = false;

  constructor(deps: SubscriptionRunnerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'router' });
  }

  /** Bring the consumers in line with the subscriptions, then start delivering. */
  async start(subscriptions: readonly SubscriptionConfig[]): Promise<void> {
    const { bus } = this.#deps;
    for (const sub of subscriptions) await this.#ensureConsumer(sub);
    await this.#deleteRemoved(bus, new Set(subscriptions.map((s) => consumerName(s.name))));
    for (const sub of subscriptions) await this.#startRunner(sub);
    this.#log.info({ subscriptions: subscriptions.length }, 'router started');
  }

  /** The subscriptions running now (after the last reload). */
  subscriptions(): SubscriptionConfig[] {
    return [...this.#subscriptions.values()];
  }

  /**
   * Hot reload. New subscriptions start; removed ones stop pulling, give their running
   * invocations `graceMs`, and lose their consumer; changed ones have their consumer updated
   * in place (progress and un-acked events kept) and a new runner, while the old one finishes
   * its in-flight events beside it with the old settings. Unchanged ones are not touched.
   */
  async reconcile(subscriptions: readonly SubscriptionConfig[], graceMs: number): Promise<SubscriptionChanges & { failed: string[] }> {
    const changes = diffSubscriptions(this.#subscriptions, subscriptions);
    const filterSubjectChanges = new Set(changes.changed.filter((sub) =>
      consumerFilterSubject(sub.filters) !== consumerFilterSubject(this.#subscriptions.get(sub.name)!.filters)).map((sub) => sub.name));
    for (const name of this.#failed.keys()) if (!subscriptions.some((s) => s.name === name)) this.#failed.delete(name);
    // The old runner stops pulling before its consumer's filter changes: it must never see,
    // and ack as "not mine", an event only the new filters match (a message it receives
    // from now on is handed back unprocessed). A new filter subject recreates the consumer
    // (see NatsBus.ensureConsumer): the old runner settles its events on the old one first.
    const drains = new Map(changes.changed.map((sub) => [sub.name, this.#retire(sub.name, graceMs)]));
    const removals = changes.removed.map((name) => this.#retire(name, graceMs, () => this.#deleteConsumer(name)));
    const failed: string[] = [];
    // Those waiting for a drain go last, so as not to hold up the others.
    const starting = [...changes.added, ...changes.changed].sort((a, b) => Number(filterSubjectChanges.has(a.name)) - Number(filterSubjectChanges.has(b.name)));
    for (const sub of starting) {
      if (this.#stopped) break;
      try {
        if (filterSubjectChanges.has(sub.name)) await drains.get(sub.name);
        await this.#ensureConsumer(sub);
        await this.#startRunner(sub);
        this.#failed.delete(sub.name);
      } catch (err) {
        // Its events stay on the stream (the consumer, when it exists, keeps them).
        this.#log.error({ err, subscription: sub.name }, 'could not start the subscription after a reload; the next reload tries again');
        this.#failed.set(sub.name, `not running after a reload: ${err instanceof Error ? err.message : String(err)}`);
        failed.push(sub.name);
      }
    }
    await Promise.all([...drains.values(), ...removals]);
    return { ...changes, failed };
  }

  health(): RouterHealth {
    const problems: string[] = [];
    for (const runner of this.#runners.values()) {
      const problem = runner.problem();
      if (problem) problems.push(`${runner.name}: ${problem}`);
    }
    const running = this.#runners.size - problems.length;
    for (const [name, why] of this.#failed) problems.push(`${name}: ${why}`);
    return { subscriptions: this.#runners.size + this.#failed.size, running, problems };
  }

  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    await Promise.all([...[...this.#runners.values()].map((r) => r.stop(graceMs)), ...this.#draining]);
  }

  async #ensureConsumer(sub: SubscriptionConfig): Promise<void> {
    await this.#deps.bus.ensureConsumer({
      stream: eventsStream,
      durable: consumerName(sub.name),
      filterSubject: consumerFilterSubject(sub.filters),
      maxAckPending: sub.ordered ? 1 : sub.concurrency,
      ackWaitMs: this.#deps.ackWaitMs,
      description: `Switchboard subscription ${sub.name} → function ${sub.function}`,
    });
  }

  async #startRunner(sub: SubscriptionConfig): Promise<void> {
    const runner = new SubscriptionRunner(sub, this.#deps);
    await runner.start();
    this.#runners.set(sub.name, runner);
    this.#subscriptions.set(sub.name, sub);
  }

  /** Take a runner out of service; it finishes (or hands back) its in-flight events, then `after` runs. */
  #retire(name: string, graceMs: number, after?: () => Promise<void>): Promise<void> {
    const runner = this.#runners.get(name);
    this.#runners.delete(name);
    this.#subscriptions.delete(name);
    const drained = (async () => {
      await runner?.stop(graceMs); // sets "stopping" at once: nothing more is processed
      await after?.();
    })().catch((err: unknown) => this.#log.error({ err, subscription: name }, 'retiring a subscription failed'));
    this.#draining.add(drained);
    return drained.finally(() => this.#draining.delete(drained));
  }

  async #deleteConsumer(name: string): Promise<void> {
    await this.#deps.bus.deleteConsumer(eventsStream, consumerName(name));
    this.#log.info({ consumer: consumerName(name), subscription: name }, 'deleted the consumer of a removed subscription');
  }

  /** A subscription removed from the config has its consumer deleted (ours start with sb-). */
  async #deleteRemoved(bus: Bus, wanted: Set<string>): Promise<void> {
    for (const name of await bus.listConsumers(eventsStream)) {
      if (name.startsWith('sb-') && !wanted.has(name)) {
        await bus.deleteConsumer(eventsStream, name);
        this.#log.info({ consumer: name }, 'deleted the consumer of a removed subscription');
      }
    }
  }
}
