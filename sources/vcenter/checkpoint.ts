// The source's checkpoint: the last Key whose event the bus stored, with the vCenter
// instance the key belongs to (keys of another instance mean nothing). Kept in memory as
// events are stored and written to the checkpoint bucket at most every flush interval and
// on stop — never ahead of what is stored — so a restart resumes with `since` and loses
// nothing (contract section 4, last paragraph).

import type { Logger } from 'pino';
import type { KeyValue } from '../../src/bus/bus.js';
import { isKey } from './frames.js';

export interface CheckpointValue {
  readonly instanceUuid: string;
  readonly key: number;
}

/** The stored value, or undefined when it is not one this source wrote. */
export function parseCheckpoint(text: string): CheckpointValue | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { instanceUuid, key } = value as Record<string, unknown>;
  if (typeof instanceUuid !== 'string' || instanceUuid === '' || !isKey(key)) return undefined;
  return { instanceUuid, key };
}

export function formatCheckpoint(value: CheckpointValue): string {
  return JSON.stringify({ instanceUuid: value.instanceUuid, key: value.key });
}

export class Checkpoint {
  readonly #bucket: () => Promise<KeyValue>;
  readonly #name: string;
  readonly #logger: Logger;
  readonly #flushIntervalMs: number;
  readonly #retryMs: number;
  #kv: KeyValue | undefined;
  #instanceUuid: string | undefined;
  #key: number | undefined;
  #written: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failing = false;
  #stopped = false;

  constructor(bucket: () => Promise<KeyValue>, name: string, logger: Logger, flushIntervalMs: number, retryMs = 1_000) {
    this.#bucket = bucket;
    this.#name = name;
    this.#logger = logger;
    this.#flushIntervalMs = flushIntervalMs;
    this.#retryMs = retryMs;
  }

  /** Reads the stored checkpoint and resumes from it. Rejects when the bucket cannot be read. */
  async load(): Promise<CheckpointValue | undefined> {
    const text = await (await this.#open()).get(this.#name);
    if (text === undefined) return undefined;
    const value = parseCheckpoint(text);
    if (value === undefined) {
      this.#logger.warn({ bucketKey: this.#name }, 'stored vcenter checkpoint is not one this source wrote; ignoring it and starting with new events');
      return undefined;
    }
    this.#instanceUuid = value.instanceUuid;
    this.#key = value.key;
    this.#written = formatCheckpoint(value);
    return value;
  }

  get instanceUuid(): string | undefined {
    return this.#instanceUuid;
  }

  /** The `since` to resume with: the highest Key stored (in memory, possibly not yet written). */
  get key(): number | undefined {
    return this.#key;
  }

  /**
   * The connection's hello named `instanceUuid`. The same instance (or none known yet)
   * keeps the key; another instance (the vCenter was replaced) drops it.
   */
  adopt(instanceUuid: string): 'same' | 'first' | 'replaced' {
    if (this.#instanceUuid === instanceUuid) return 'same';
    const previous = this.#instanceUuid;
    this.#instanceUuid = instanceUuid;
    this.#key = undefined;
    return previous === undefined ? 'first' : 'replaced';
  }

  /** Everything up to `key` of `instanceUuid` is stored. Never moves back. */
  advance(instanceUuid: string, key: number): void {
    if (instanceUuid !== this.#instanceUuid) return;
    if (this.#key !== undefined && key <= this.#key) return;
    this.#key = key;
    this.#flushLater(this.#flushIntervalMs);
  }

  /** Writes what is stored now, at once, and writes nothing after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // Not queued behind a write in progress: the appliance may close the bus right after
    // the sources stop, and a put issued now still reaches it. Values only grow, and puts
    // on one connection arrive in order, so the later one wins.
    await this.#write();
  }

  async #flush(): Promise<void> {
    if (this.#writing) return this.#writing;
    this.#writing = this.#write().finally(() => {
      this.#writing = undefined;
      // Advanced while the put was under way: that key still needs writing.
      if (this.#pending() !== this.#written) this.#flushLater(this.#flushIntervalMs);
    });
    return this.#writing;
  }

  /** What the bucket should hold now, if anything. */
  #pending(): string | undefined {
    if (this.#instanceUuid === undefined || this.#key === undefined) return this.#written;
    return formatCheckpoint({ instanceUuid: this.#instanceUuid, key: this.#key });
  }

  async #write(): Promise<void> {
    const text = this.#pending();
    if (text === undefined || text === this.#written) return;
    const key = this.#key;
    try {
      await (await this.#open()).put(this.#name, text);
      this.#written = text;
      if (this.#failing) this.#logger.info({ checkpoint: key }, 'vcenter checkpoint written again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#logger.warn({ err, checkpoint: key }, 'cannot write the vcenter checkpoint; will retry');
      this.#failing = true;
      this.#flushLater(this.#retryMs);
    }
  }

  #flushLater(delayMs: number): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, delayMs);
  }

  async #open(): Promise<KeyValue> {
    this.#kv ??= await this.#bucket();
    return this.#kv;
  }
}
