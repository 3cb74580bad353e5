// Timings and limits of the vcenter source that are not the operator's to set: named
// defaults here, shortened by tests.

import { defaultBackoff, type BackoffOptions } from '../reconnect-backoff.js';

/** Timings and limits that are not the operator's to set; tests shorten them. */
export interface VcenterTuning {
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  /** The checkpoint is written at most this often. */
  readonly checkpointFlushMs: number;
  /**
   * Publishes awaiting the bus's acknowledgement at once: enough to cover the round trip
   * (128 over a 2 ms acknowledgement is 64,000 events/s), and not many more — every event
   * in flight or waiting is a tree of live objects (see highWater).
   */
  readonly maxInFlight: number;
  /**
   * Events read from the stream and waiting for room in flight, above which frames stop
   * being read: the rest waits in the socket, as bytes. An event is a tree of objects from
   * its frame's parse until the bus stored it, and the young generation is collected every
   * few hundred events (each costs ~22 KB of allocation, most of it in the intake and the
   * NATS client). With 256 in flight and 1,024 waiting, what is alive of each event
   * (~2 KB) outlived two collections and was promoted to the old generation — 200 MB over
   * the 100,000 events of bench/vcenter-ingest.ts, ~15% of the appliance's CPU per event;
   * with 128 and 256, 2 MB in all. Two batch frames ahead still keep the window full.
   */
  readonly highWater: number;
  readonly loginTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly idleMs: number;
  /**
   * After a failure, a connection counts as working (running, backoff reset) once the bus
   * stored one of its events or it stayed open this long — not at hello alone, so a server
   * that says hello and then closes (4400) is retried with a growing delay, and the state
   * does not flip to running and back on every retry.
   */
  readonly stableMs: number;
  /** start() waits at most this long for the first attempt (a vCenter that does not answer). */
  readonly startWaitMs: number;
  readonly now: () => Date;
}

export function vcenterTuning(): VcenterTuning {
  return {
    backoff: defaultBackoff,
    random: Math.random,
    checkpointFlushMs: 200,
    maxInFlight: 128,
    highWater: 256,
    loginTimeoutMs: 15_000,
    handshakeTimeoutMs: 15_000,
    idleMs: 60_000,
    stableMs: 5_000,
    startWaitMs: 5_000,
    now: () => new Date(),
  };
}
