// Timings and limits of the vcenter source that are not the operator's to set: named
// defaults here, shortened by tests.

import { defaultBackoff, type BackoffOptions } from '../reconnect-backoff.js';

/** Timings and limits that are not the operator's to set; tests shorten them. */
export interface VcenterTuning {
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  /** The checkpoint is written at most this often. */
  readonly checkpointFlushMs: number;
  readonly maxInFlight: number;
  /** Events waiting for the bus above which frames stop being read. */
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
    maxInFlight: 256,
    highWater: 1024,
    loginTimeoutMs: 15_000,
    handshakeTimeoutMs: 15_000,
    idleMs: 60_000,
    stableMs: 5_000,
    startWaitMs: 5_000,
    now: () => new Date(),
  };
}
