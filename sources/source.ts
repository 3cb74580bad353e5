// The seam every event source implements. A source turns what its protocol delivers into
// candidate events and hands them to `dispatch`; it never touches the bus. The intake
// validates, builds the CloudEvent, publishes it and resolves `dispatch` only once
// JetStream stored it — only then may the source acknowledge upstream (HTTP 202, MQTT
// PUBACK, a checkpoint). See ../shared/DESIGN.md "The event path".

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { KeyValue } from '../src/bus/bus.js';
import type { CloudEventRecord } from '../src/events/cloudevent.js';

/** What a source hands over: CloudEvent attributes and data, not yet validated. */
export type EventCandidate = Record<string, unknown>;

export interface StoredEvent {
  readonly event: CloudEventRecord;
  /** Stream sequence the bus stored it at. */
  readonly sequence: number;
  /** True when the bus already held an event with the same (source, id). */
  readonly duplicate: boolean;
}

/**
 * Validates and stores one event. Rejects with InvalidEventError (the event is wrong: tell
 * the sender, do not retry) or BusUnavailableError (try again later).
 */
export type Dispatch = (candidate: EventCandidate) => Promise<StoredEvent>;

export type SourceState = 'starting' | 'running' | 'degraded' | 'stopped';

export interface SourceHealth {
  readonly state: SourceState;
  /** Why the source is not running, in words an operator can act on. */
  readonly detail?: string;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The appliance's HTTP listener, shared by every source that receives over HTTP. */
export interface HttpRoutes {
  /** Register a handler for every method on an exact path. Throws if the path is taken. */
  route(path: string, handler: HttpHandler): void;
  unroute(path: string): void;
}

export interface SourceDeps {
  readonly logger: Logger;
  readonly http: HttpRoutes;
  /**
   * Counts each thing the source received from upstream, by outcome: accepted, duplicate
   * (both published), or why it was refused: invalid, malformed, too_large, unsupported,
   * unauthorized, rate_limited, unavailable, error.
   */
  readonly countReceived: (outcome: string) => void;
  /** Counts one reconnect attempt to the upstream (broker, vCenter). */
  readonly countReconnect: () => void;
  /** Counts events the upstream says are lost to the source (e.g. a vCenter retention gap). */
  readonly countLost: (events: number) => void;
  /** Durable state of this source on the bus (e.g. the vcenter checkpoint), keyed by name. */
  readonly checkpoints: () => Promise<KeyValue>;
}

export interface Source {
  readonly name: string;
  readonly type: string;
  /** Begin receiving. Resolves once the source is listening; stops when `signal` aborts. */
  start(dispatch: Dispatch, signal: AbortSignal): Promise<void>;
  health(): SourceHealth;
  /**
   * For sources that still have work after the abort (e.g. writing a checkpoint): resolves
   * when it is done. The appliance waits for it, bounded, before closing the bus.
   */
  readonly stopped?: Promise<void>;
}

/** A problem in one source's config that its JSON Schema cannot express. */
export interface SourceConfigProblem {
  /** Key path inside the source entry, e.g. ['schedule'] or ['auth', 'secret']. */
  readonly path: readonly (string | number)[];
  /** What was expected, in words an operator can act on. */
  readonly message: string;
}

/** What reading a configuration needs of a source type (definitions.ts). */
export interface SourceDefinition<C = unknown> {
  /** JSON Schema for one entry of `sources:` of this type (name and type included). */
  readonly schema: Record<string, unknown>;
  /**
   * Checks beyond the schema (a cron expression, a time zone, a CA file), run when the
   * config is loaded, after the schema passed; each problem is reported at its line.
   */
  readonly validate?: (config: C) => readonly SourceConfigProblem[];
}

/** A source type the appliance can run (registry.ts). */
export interface SourceType<C = unknown> extends SourceDefinition<C> {
  readonly create: (config: C, deps: SourceDeps) => Source;
}
