// The router: one durable JetStream consumer per subscription (its progress, pending
// retries and in-flight limit survive restarts and are shared by appliances on one cluster),
// each narrowed on the server by a filter subject and run by a SubscriptionRunner.

import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { SubscriptionConfig } from '../config/types.js';
import { eventsStream } from '../events/streams.js';
import { consumerFilterSubject } from './filter-subject.js';
import { consumerName, SubscriptionRunner, type SubscriptionRunnerDeps } from './subscription-runner.js';

export interface RouterHealth {
  readonly subscriptions: number;
  readonly running: number;
  /** Subscriptions not receiving events, with the reason. */
  readonly problems: readonly string[];
}

export class Router {
  readonly #runners = new Map<string, SubscriptionRunner>();
  readonly #deps: SubscriptionRunnerDeps;
  readonly #log: Logger;

  constructor(deps: SubscriptionRunnerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'router' });
  }

  /** Bring the consumers in line with the subscriptions, then start delivering. */
  async start(subscriptions: readonly SubscriptionConfig[]): Promise<void> {
    const { bus } = this.#deps;
    for (const sub of subscriptions) {
      await bus.ensureConsumer({
        stream: eventsStream,
        durable: consumerName(sub.name),
        filterSubject: consumerFilterSubject(sub.filters),
        maxAckPending: sub.ordered ? 1 : sub.concurrency,
        ackWaitMs: this.#deps.ackWaitMs,
        description: `Switchboard subscription ${sub.name} → function ${sub.function}`,
      });
    }
    await this.#deleteRemoved(bus, new Set(subscriptions.map((s) => consumerName(s.name))));
    for (const sub of subscriptions) {
      const runner = new SubscriptionRunner(sub, this.#deps);
      await runner.start();
      this.#runners.set(sub.name, runner);
    }
    this.#log.info({ subscriptions: subscriptions.length }, 'router started');
  }

  health(): RouterHealth {
    const problems: string[] = [];
    for (const runner of this.#runners.values()) {
      const problem = runner.problem();
      if (problem) problems.push(`${runner.name}: ${problem}`);
    }
    return { subscriptions: this.#runners.size, running: this.#runners.size - problems.length, problems };
  }

  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.#runners.values()].map((r) => r.stop(graceMs)));
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
