// The IPC conversation between the appliance (parent) and one worker process (child).
// One worker runs one invocation at a time: the parent sends `load` once, waits for
// `loaded`, then sends `invoke` with one or more calls. The child runs them in order, one
// after the other, and sends each call's `result` before it starts the next: so when the
// worker dies, the first call without a result is the one that was running and the calls
// after it never started (worker.ts hands those to another worker).
// worker-main.ts may only `import type` from here: at run time it reads nothing but itself.

export type FunctionLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the function's `context` is built from (the child adds `log` and `remainingTimeMs`). */
export interface WireContext {
  readonly functionName: string;
  readonly invocationId: string;
  /** 1-based delivery attempt. */
  readonly attempt: number;
  /** The call's time limit; the child turns it into `context.deadline` when the call starts. */
  readonly timeoutMs: number;
}

/** One invocation of the function. */
export interface WireCall {
  readonly invocationId: string;
  readonly event: unknown;
  readonly context: WireContext;
}

/** A thrown value, flattened so it survives the trip. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ParentMessage =
  | { readonly type: 'load'; readonly entry: string; readonly functionName: string }
  /**
   * A pre-started generic worker is given a function (spare-workers.ts): its environment
   * (the manifest's env and secrets, replacing all but TMPDIR) and the folder its copy of
   * the function is in, to work in. `load` follows.
   */
  | { readonly type: 'adopt'; readonly env: Readonly<Record<string, string>>; readonly cwd: string }
  /** Retired while idle: run the module's `shutdown()` if it has one, then exit. */
  | { readonly type: 'shutdown' }
  /** Calls to run in order (several at once for a fast function with events queued). */
  | { readonly type: 'invoke'; readonly calls: readonly WireCall[] };

export type ChildMessage =
  /** Node is up and the bootstrap listens: sent once, first. */
  | { readonly type: 'ready' }
  | { readonly type: 'loaded' }
  /** The child exits right after this (see worker-main.ts), so its stderr holds the rest. */
  | { readonly type: 'load-failed'; readonly error: WireError }
  /** `ranMs`: how long the function itself ran (the pool sizes batches by it). */
  | { readonly type: 'result'; readonly invocationId: string; readonly ranMs: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly invocationId: string; readonly ranMs: number; readonly ok: false; readonly error: WireError }
  | {
      readonly type: 'log';
      /** null when the function logged while no invocation was running (top level, stray timers). */
      readonly invocationId: string | null;
      readonly level: FunctionLogLevel;
      readonly msg: string;
      readonly fields?: Readonly<Record<string, unknown>>;
    };

const logLevels: ReadonlySet<unknown> = new Set(['debug', 'info', 'warn', 'error']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isWireError(value: unknown): value is WireError {
  return isRecord(value) && typeof value.message === 'string' && typeof value.name === 'string';
}

/**
 * The parent's check on what arrives: a function can call `process.send` itself, so a
 * malformed message must be dropped, never trusted (and never crash the appliance).
 */
export function parseChildMessage(raw: unknown): ChildMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'loaded':
      return { type: 'loaded' };
    case 'load-failed':
      return isWireError(raw.error) ? { type: 'load-failed', error: raw.error } : undefined;
    case 'result':
      if (typeof raw.invocationId !== 'string') return undefined;
      {
        const ranMs = typeof raw.ranMs === 'number' && raw.ranMs >= 0 ? raw.ranMs : 0;
        if (raw.ok === true) return { type: 'result', invocationId: raw.invocationId, ranMs, ok: true, value: raw.value };
        if (raw.ok === false && isWireError(raw.error)) {
          return { type: 'result', invocationId: raw.invocationId, ranMs, ok: false, error: raw.error };
        }
      }
      return undefined;
    case 'log':
      if (!logLevels.has(raw.level) || typeof raw.msg !== 'string') return undefined;
      if (raw.invocationId !== null && typeof raw.invocationId !== 'string') return undefined;
      return {
        type: 'log',
        invocationId: raw.invocationId,
        level: raw.level as FunctionLogLevel,
        msg: raw.msg,
        ...(isRecord(raw.fields) ? { fields: raw.fields } : {}),
      };
    default:
      return undefined;
  }
}
