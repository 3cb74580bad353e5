// The bootstrap of a worker process: loads one function and runs its invocations, one at a
// time and in the order they came, as the parent asks over IPC (protocol.ts). It runs under the permission model with
// read access to this file and the function only, so it imports nothing but node: builtins
// (type imports vanish at compile time).
//
// Contract, as in AWS Lambda: `export default async function (event, context)`; returning
// is success, throwing or rejecting is failure.

import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { compileFunction } from 'node:vm';
import type { ChildMessage, FunctionLogLevel, ParentMessage, WireCall, WireError } from './protocol.js';

type Handler = (event: unknown, context: unknown) => unknown;

// Set by the parent when bubblewrap added PWD (see bubblewrap.ts; not imported: this file
// may read nothing but itself).
if (process.env.SWITCHBOARD_UNSET_PWD) {
  delete process.env.PWD;
  delete process.env.SWITCHBOARD_UNSET_PWD;
}

let handler: Handler | undefined;
/** The invocation running now; console output and stray logs are attributed to it. */
let current: string | null = null;

function send(message: ChildMessage, then: () => void = () => {}): void {
  if (!process.connected || !process.send) return;
  // With a callback, a closed channel is reported to it rather than as an 'error' event.
  try {
    process.send(message, undefined, {}, then);
  } catch {
    // Not structured-cloneable (a function, a symbol): send its JSON form instead, or say why not.
    try { process.send(jsonSafe(message), undefined, {}, () => {}); } catch { /* nothing left to tell */ }
  }
}

function jsonSafe(message: ChildMessage): ChildMessage {
  try {
    if (message.type === 'result' && message.ok) return { ...message, value: JSON.parse(JSON.stringify(message.value) ?? 'null') };
    if (message.type === 'log') return { ...message, fields: JSON.parse(JSON.stringify(message.fields ?? {})) };
  } catch (error) {
    if (message.type === 'result') {
      const why = error instanceof Error ? error.message : String(error);
      return { type: 'result', invocationId: message.invocationId, ranMs: message.ranMs, ok: false, error: { name: 'TypeError', message: `the function returned a value that cannot be sent to the appliance (${why}); return plain JSON data` } };
    }
  }
  return message.type === 'log' ? { ...message, fields: { unserializableFields: true } } : message;
}

function toWireError(thrown: unknown): WireError {
  if (thrown instanceof Error) return { name: thrown.name, message: thrown.message, ...(thrown.stack ? { stack: thrown.stack } : {}) };
  return { name: 'Error', message: typeof thrown === 'string' ? thrown : format('%o', thrown) };
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

function logger(invocationId: string | null) {
  const at = (level: FunctionLogLevel) => (first: unknown, ...rest: unknown[]) => {
    // pino style: log.info('text') or log.info({ vm: 'web-01' }, 'text').
    if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
      send({ type: 'log', invocationId, level, msg: format(...rest), fields: first as Record<string, unknown> });
    } else {
      send({ type: 'log', invocationId, level, msg: format(first, ...rest) });
    }
  };
  return Object.freeze({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') });
}

// console.* goes through IPC rather than stdout so each line reaches the appliance's log
// tagged with the invocation (and so its event id and subscription) it belongs to.
function routeConsole(): void {
  const levels: Array<[keyof Console, FunctionLogLevel]> = [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'error'], ['trace', 'debug']];
  for (const [method, level] of levels) {
    Object.defineProperty(console, method, { value: (...args: unknown[]) => send({ type: 'log', invocationId: current, level, msg: format(...args) }) });
  }
}

// A .js whose nearest package.json says "type": "module" (a functions folder inside a
// project, say) is taken as ESM and `module.exports` fails there; the functions contract
// lets .js be CommonJS, so evaluate it as CommonJS ourselves.
const commonJsInEsmScope = /\b(module|exports|require) is not defined in ES module scope/;

async function loadCommonJs(entry: string): Promise<unknown> {
  const source = await readFile(entry, 'utf8');
  const wrapper = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: entry });
  const module = { exports: {} as unknown };
  wrapper(module.exports, createRequire(entry), module, entry, dirname(entry));
  return module.exports;
}

/** The module's optional lifecycle hooks (Lambda-style): init once per worker, shutdown once. */
let hooks: { init?: unknown; shutdown?: unknown } = {};

async function importEntry(entry: string): Promise<unknown> {
  try {
    const namespace = (await import(pathToFileURL(entry).href)) as { default?: unknown; init?: unknown; shutdown?: unknown };
    // CommonJS through import(): the hooks are properties of module.exports, i.e. of default.
    const cjs = namespace.default as { init?: unknown; shutdown?: unknown } | undefined;
    hooks = { init: namespace.init ?? cjs?.init, shutdown: namespace.shutdown ?? cjs?.shutdown };
    return namespace.default;
  } catch (error) {
    if (!(entry.endsWith('.js') && error instanceof ReferenceError && commonJsInEsmScope.test(error.message))) throw error;
    // Top-level code before the failing line has run once already; functions rarely have any.
    try {
      return await loadCommonJs(entry);
    } catch (cjsError) {
      // Not CommonJS either (an ES module that uses `require`): the first error is the real one.
      throw cjsError instanceof SyntaxError ? error : cjsError;
    }
  }
}

async function load(entry: string): Promise<void> {
  try {
    let exported = await importEntry(entry);
    // TypeScript compiled to CommonJS puts the function on `exports.default`.
    if (typeof exported !== 'function' && typeof (exported as { default?: unknown } | null)?.default === 'function') {
      exported = (exported as { default: unknown }).default;
    }
    if (typeof exported !== 'function') {
      throw new TypeError(`the module has no default export function: write \`export default async function (event, context) {…}\` or \`module.exports = async (event, context) => {…}\``);
    }
    handler = exported as Handler;
    // Init once per worker, before the first invocation; a throw here is a load failure.
    if (typeof hooks.init === 'function') await (hooks.init as () => unknown)();
    send({ type: 'loaded' });
  } catch (error) {
    // A worker that failed to load is discarded, so it exits once the parent has the message.
    // A SyntaxError is rethrown uncaught: only then does Node print where it is (file:line
    // and a caret) on stderr, which it never puts in an ESM SyntaxError's stack; the parent
    // reads it there.
    send({ type: 'load-failed', error: toWireError(error) }, () => {
      if (error instanceof SyntaxError) throw error;
      process.exit(1);
    });
  }
}

async function invoke({ invocationId, event, context: wire }: WireCall): Promise<void> {
  current = invocationId;
  const started = performance.now();
  const { timeoutMs, ...fields } = wire;
  const deadline = Date.now() + timeoutMs;
  const context = Object.freeze({
    ...fields,
    deadline,
    log: logger(invocationId),
    remainingTimeMs: () => Math.max(0, deadline - Date.now()),
  });
  try {
    if (!handler) throw new Error('no function is loaded in this worker');
    const value = await handler(deepFreeze(event), context);
    send({ type: 'result', invocationId, ranMs: performance.now() - started, ok: true, value });
  } catch (error) {
    send({ type: 'result', invocationId, ranMs: performance.now() - started, ok: false, error: toWireError(error) });
  } finally {
    current = null;
  }
}

/** Calls not yet run, in order; each starts only after the one before it sent its result. */
const queued: WireCall[] = [];
let draining = false;

async function runQueued(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    for (let call = queued.shift(); call; call = queued.shift()) await invoke(call);
  } finally {
    draining = false;
  }
}

/** Retired while idle: give the module its `shutdown()` (the parent bounds how long), then go. */
async function shutdown(): Promise<void> {
  try {
    if (typeof hooks.shutdown === 'function') await (hooks.shutdown as () => unknown)();
  } catch (error) {
    console.error('shutdown() failed:', error);
  } finally {
    process.exit(0);
  }
}

/** A pre-started worker becomes a function's: exactly its environment, in its folder. */
function adopt(env: Readonly<Record<string, string>>, cwd: string): void {
  for (const name of Object.keys(process.env)) if (name !== 'TMPDIR') delete process.env[name];
  Object.assign(process.env, env);
  process.chdir(cwd);
}

routeConsole();
process.on('message', (message: ParentMessage) => {
  if (message.type === 'load') {
    process.title = `switchboard function ${message.functionName}`; // what `ps` shows an operator
    void load(message.entry);
  }
  else if (message.type === 'adopt') adopt(message.env, message.cwd);
  else if (message.type === 'invoke') {
    queued.push(...message.calls);
    void runQueued();
  }
  else if (message.type === 'shutdown') void shutdown();
});
// The appliance is gone: a worker never outlives it (it could not report to anyone), and
// as the appliance may have died without cleaning up, it removes its own temp dir.
const ownTempDir = process.env.TMPDIR; // read before any function code can change it
process.on('disconnect', () => {
  try {
    if (ownTempDir) rmSync(ownTempDir, { recursive: true, force: true });
  } finally {
    process.exit(0);
  }
});
// Ctrl-C in a terminal and `systemctl stop` signal the appliance's whole process group. A
// worker must not die under a running invocation then: the appliance drains and ends its
// workers itself once invocations finish or are handed back.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
send({ type: 'ready' });
