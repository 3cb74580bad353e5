// The loop of one vcenter source: log in, connect with `since` = the last Key the bus
// stored, read until the connection ends, back off, again — until the appliance stops.
// Each state change is logged once; a condition that persists across retries is not
// logged again (STYLE.md: one failing source is its own state, never the appliance's end).

import type { Dispatch, SourceDeps } from '../source.js';
import type { SourceStateTracker } from '../source-state.js';
import { ReconnectBackoff, sleep } from '../reconnect-backoff.js';
import { afterConnection } from './after-connection.js';
import { Checkpoint } from './checkpoint.js';
import { streamUrl, upgradeHeaders, type Endpoint } from './endpoint.js';
import { runStream, type StreamContext } from './event-stream.js';
import type { HelloFrame } from './frames.js';
import type { VcenterConfig } from './schema.js';
import { login } from './session-login.js';
import type { VcenterTuning } from './tuning.js';

export type LoopConfig = Readonly<Required<Omit<VcenterConfig, 'caFile'>>>;

export class SourceLoop {
  onAttempted: () => void = () => {};
  readonly #config: LoopConfig;
  readonly #endpoint: Endpoint;
  readonly #deps: SourceDeps;
  readonly #tuning: VcenterTuning;
  readonly #state: SourceStateTracker;
  readonly #dispatch: Dispatch;
  readonly #backoff: ReconnectBackoff;
  readonly #checkpoint: Checkpoint;
  readonly #gapsSeen = new Set<string>();
  readonly #unknownKinds = new Set<string>();
  #sessionId: string | undefined;
  /** The last degraded detail logged, so a condition that persists is one line. */
  #lastDetail: string | undefined;

  constructor(
    config: LoopConfig, endpoint: Endpoint, deps: SourceDeps,
    tuning: VcenterTuning, state: SourceStateTracker, dispatch: Dispatch,
  ) {
    this.#config = config;
    this.#endpoint = endpoint;
    this.#deps = deps;
    this.#tuning = tuning;
    this.#state = state;
    this.#dispatch = dispatch;
    this.#backoff = new ReconnectBackoff(tuning.backoff, tuning.random);
    this.#checkpoint = new Checkpoint(deps.checkpoints, config.name, deps.logger, tuning.checkpointFlushMs);
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      if (this.#config.start === 'checkpoint' && !(await this.#loadCheckpoint(signal))) return;
      while (!signal.aborted) {
        await this.#attempt(signal);
        this.onAttempted();
        if (signal.aborted) break;
        this.#deps.countReconnect();
        await sleep(this.#backoff.next(), signal);
      }
    } finally {
      this.onAttempted();
      await this.#checkpoint.stop();
      this.#state.set('stopped');
    }
  }

  /** Reads where to resume; retries while the bucket cannot be read (never guesses). */
  async #loadCheckpoint(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      try {
        const stored = await this.#checkpoint.load();
        if (stored) this.#deps.logger.info({ since: stored.key, instanceUuid: stored.instanceUuid }, 'resuming the vCenter stream after the stored checkpoint');
        return true;
      } catch (err) {
        this.#degrade('cannot read the vcenter checkpoint from the bus; waiting before connecting, so nothing is skipped', 'warn', err);
        this.onAttempted();
        await sleep(this.#backoff.next(), signal);
      }
    }
    return false;
  }

  /** One login (when needed) and one connection, to its end. */
  async #attempt(signal: AbortSignal): Promise<void> {
    if (this.#config.auth === 'session' && this.#sessionId === undefined) {
      const result = await login(this.#endpoint, this.#tuning.loginTimeoutMs, signal);
      if (signal.aborted) return;
      if (result.kind === 'refused') {
        // The operator may fix the password in the vCenter: keep trying, quietly.
        return this.#degrade(`credentials refused: the vCenter answered 401 to the login of ${this.#config.username}; check username and password`, 'warn');
      }
      if (result.kind === 'failed') return this.#degrade(result.problem, 'warn');
      this.#sessionId = result.sessionId;
    }
    const since = this.#checkpoint.key;
    let stableTimer: NodeJS.Timeout | undefined;
    let working = false;
    const works = () => {
      if (working) return;
      working = true;
      clearTimeout(stableTimer);
      this.#backoff.reset();
      this.#lastDetail = undefined;
      this.#state.set('running');
    };
    const context = this.#streamContext(since, works, (hello) => {
      this.#deps.logger.debug({ instanceUuid: hello.instanceUuid, apiVersion: hello.apiVersion, since }, 'vCenter event stream open');
      // At start-up (no failure yet) hello is enough; after a failure, see tuning.stableMs.
      if (this.#state.health().state === 'starting') works();
      else stableTimer = setTimeout(works, this.#tuning.stableMs);
      this.onAttempted();
    });
    const outcome = await runStream(context, signal).finally(() => clearTimeout(stableTimer));
    if (signal.aborted) return;
    const next = afterConnection(outcome, this.#config.auth, since);
    if (next.relogin) this.#sessionId = undefined;
    this.#degrade(next.detail, next.level);
  }

  #streamContext(since: number | undefined, onStored: () => void, onHello: (hello: HelloFrame) => void): StreamContext {
    const t = this.#tuning;
    return {
      source: this.#config.url,
      connection: {
        url: streamUrl(this.#config.url, since),
        headers: upgradeHeaders(this.#endpoint, this.#sessionId),
        tls: this.#endpoint.tls,
        handshakeTimeoutMs: t.handshakeTimeoutMs,
        idleMs: t.idleMs,
      },
      since,
      dispatch: this.#dispatch,
      checkpoint: this.#checkpoint,
      deps: this.#deps,
      logger: this.#deps.logger,
      limits: { maxInFlight: t.maxInFlight, highWater: t.highWater },
      gapsSeen: this.#gapsSeen,
      unknownKinds: this.#unknownKinds,
      now: t.now,
      onHello,
      onStored,
    };
  }

  // The state tracker logs a change of state; a new reason while already degraded is
  // logged here. The same reason again (the next retry) is not logged at all.
  #degrade(detail: string, level: 'warn' | 'error', err?: unknown): void {
    const changed = detail !== this.#lastDetail;
    this.#lastDetail = detail;
    const wasDegraded = this.#state.health().state === 'degraded';
    if (changed && (wasDegraded || level === 'error' || err !== undefined)) {
      this.#deps.logger[level]({ detail, ...(err === undefined ? {} : { err }) }, 'vcenter source degraded');
    }
    this.#state.set('degraded', detail);
  }
}
