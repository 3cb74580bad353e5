// Connect, receive, and when the connection ends connect again after an exponential backoff
// with jitter — on a fresh MQTT.js client each time, so no state of a dead connection leaks
// into the next. The source's state follows, each change logged once (source-state.ts):
//
//   running   connected and subscribed, and the bus stores what arrives.
//   degraded  the broker cannot be reached, refused us, or the bus is unavailable (messages
//             then stay unacknowledged at the broker, which resends them after a reconnect).
//   stopped   after the signal aborted.

import type { IClientOptions } from 'mqtt';
import type { SourceDeps } from '../source.js';
import { ReconnectBackoff, sleep, type BackoffOptions } from '../reconnect-backoff.js';
import type { SourceStateTracker } from '../source-state.js';
import { runConnection, type ConnectionEnd } from './connection.js';
import type { Receive } from './receive.js';
import type { MqttSettings } from './settings.js';

export interface MqttTuning {
  readonly backoff: BackoffOptions;
  readonly connectTimeoutMs: number;
  /** How long start() waits for the first connection before it resolves anyway. */
  readonly startWaitMs: number;
  /** A connection that lasted this long worked: the backoff starts again from its first step. */
  readonly stableAfterMs: number;
}

export function mqttTuning(): MqttTuning {
  return { backoff: { initialMs: 500, maxMs: 30_000 }, connectTimeoutMs: 10_000, startWaitMs: 5_000, stableAfterMs: 10_000 };
}

export class MqttSourceLoop {
  /** Called once the first connection is ready or has failed. */
  onAttempted?: () => void;
  readonly #settings: MqttSettings;
  readonly #options: IClientOptions;
  readonly #receive: Receive;
  readonly #deps: SourceDeps;
  readonly #tuning: MqttTuning;
  readonly #state: SourceStateTracker;
  /** Why a message is held at the broker, while one is. */
  #holding: Error | undefined;

  constructor(settings: MqttSettings, options: IClientOptions, receive: Receive, deps: SourceDeps, tuning: MqttTuning, state: SourceStateTracker) {
    this.#settings = settings;
    this.#options = options;
    this.#receive = receive;
    this.#deps = deps;
    this.#tuning = tuning;
    this.#state = state;
  }

  async run(signal: AbortSignal): Promise<void> {
    const backoff = new ReconnectBackoff(this.#tuning.backoff);
    while (!signal.aborted) {
      let readyAt: number | undefined;
      let acknowledged = false;
      const end = await runConnection(this.#settings, this.#options, this.#receive, {
        ready: (sessionPresent) => {
          readyAt = Date.now();
          this.#ready(sessionPresent);
          this.#attempted();
        },
        acknowledged: () => {
          acknowledged = true;
          this.#holding = undefined;
          if (this.#state.health().state !== 'running') this.#state.set('running');
        },
        held: (error) => {
          this.#holding = error;
          this.#state.set('degraded', `the bus is unavailable (${error.message}): messages stay unacknowledged at the broker and are received again after a reconnect`);
        },
        lost: (error) => this.#state.set('degraded', `the bus is unavailable (${error.message}): QoS 0 messages are lost meanwhile`),
      }, signal);
      this.#attempted();
      if (signal.aborted) break;
      if (acknowledged || (readyAt !== undefined && Date.now() - readyAt >= this.#tuning.stableAfterMs)) backoff.reset();
      if (!end.held) this.#state.set('degraded', this.#describe(end));
      this.#deps.countReconnect();
      await sleep(backoff.next(), signal);
    }
    this.#state.set('stopped');
  }

  #ready(sessionPresent: boolean): void {
    if (this.#holding && !sessionPresent) {
      this.#deps.logger.error(
        { clientId: this.#settings.clientId },
        'the broker kept no session (cleanSession is true, or sessionExpiry passed): the message held while the bus was unavailable, and those queued behind it, are lost',
      );
      this.#holding = undefined;
    }
    // While a message is held, running waits for the bus to store it: the broker resends it first.
    if (!this.#holding) this.#state.set('running');
  }

  #describe(end: ConnectionEnd): string {
    const why = end.error?.message ?? 'the connection closed';
    return end.ready ? `lost the connection to the broker at ${this.#settings.wrap.source}: ${why}` : `cannot connect to the broker at ${this.#settings.wrap.source}: ${why}`;
  }

  #attempted(): void {
    const attempted = this.onAttempted;
    this.onAttempted = undefined;
    attempted?.();
  }
}
