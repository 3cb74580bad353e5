// Hot reload: after a change to the functions folder, subscriptions/*.yaml or the config
// file, read them again and apply what changed while events keep flowing. Functions are
// reloaded one by one (a broken one keeps its last good version), subscriptions through the
// router's reconcile. A config file or subscription file that is invalid changes nothing.
// Settings outside subscriptions (bus, http, sources, functions, log) need a restart.

import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkFunctionsExist, checkSubscriptionNames, type DeclaredSubscription } from '../config/cross-check.js';
import { functionsDirLocation, readConfig } from '../config/load.js';
import type { CodedProblem } from '../config/problems.js';
import { subscriptionFromTrigger } from '../config/subscription.js';
import { readSubscriptionFiles, subscriptionsFolder } from '../config/subscription-files.js';
import type { ResolvedConfig } from '../config/types.js';
import { formatProblem } from '../errors.js';
import type { ReadinessCheck } from '../http/operator-endpoints.js';
import type { Router } from '../router/router.js';
import { scanFunctions } from '../runtime/function-registry.js';
import type { FunctionCatalog } from '../runtime/function-definition.js';
import type { FunctionSnapshots } from './function-snapshots.js';
import { LiveCatalog, type LoadedFunction } from './live-catalog.js';
import { folderProblems, reloadFunctions, type FunctionProblem, type FunctionsReload, type FunctionsSummary } from './reload-functions.js';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_POLL_INTERVAL_MS, FileWatcher } from './watch-files.js';

export interface ReloaderOptions {
  /** The configuration the appliance runs: where to read from, and what needs a restart. */
  readonly config: ResolvedConfig;
  readonly catalog: LiveCatalog;
  readonly snapshots: FunctionSnapshots;
  readonly router: Pick<Router, 'reconcile'>;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly env?: NodeJS.ProcessEnv;
  readonly debounceMs?: number;
  readonly pollIntervalMs?: number;
  /** After each applied reload: the processor warms new versions and lets go of removed ones. */
  readonly onApplied?: () => void;
}

/** After a reload the bus (or disk) failed part-way. */
const retryDelayMs = 10_000;

export type ReloadResult =
  | {
    readonly outcome: 'applied';
    readonly functions: FunctionsSummary;
    readonly subscriptions: { added: string[]; changed: string[]; removed: string[]; failed: string[] };
    readonly problems: readonly FunctionProblem[];
  }
  | { readonly outcome: 'rejected'; readonly problems: readonly CodedProblem[] }
  | { readonly outcome: 'failed'; readonly error: string }
  | { readonly outcome: 'stopped' };

/** Every function copied where it will run: the catalog a reloading appliance starts with. */
export async function snapshotCatalog(catalog: FunctionCatalog, snapshots: FunctionSnapshots): Promise<LiveCatalog> {
  const loaded: LoadedFunction[] = [];
  for (const name of catalog.names()) {
    const source = catalog.get(name)!;
    // Changed since it was read: run it in place; the watcher's reload copies the new version.
    loaded.push((await snapshots.take(source)) ?? { source, running: source });
  }
  return new LiveCatalog(loaded);
}

export class Reloader {
  readonly #o: ReloaderOptions;
  readonly #log: Logger;
  readonly #env: NodeJS.ProcessEnv;
  readonly #metrics: { reloads?: Counter<'outcome'>; problems?: Gauge };
  #watcher: FileWatcher | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #next: Promise<ReloadResult> | undefined;
  #stopped = false;
  #restartNotice = '';
  #last: { at: Date; outcome: ReloadResult['outcome']; problems: readonly CodedProblem[] } | undefined;

  constructor(options: ReloaderOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'reload' });
    this.#env = options.env ?? process.env;
    const registers = options.registry ? [options.registry] : [];
    this.#metrics = options.registry ? {
      reloads: new Counter({ name: 'switchboard_reloads_total', help: 'Hot reloads, by outcome (applied, rejected: an invalid config file changed nothing, failed).', labelNames: ['outcome'], registers }),
      problems: new Gauge({ name: 'switchboard_reload_problems', help: 'Problems found by the last reload (broken functions keep their last good version).', registers }),
    } : {};
  }

  /** Watch the functions folder, subscriptions/ and the config file. */
  async start(): Promise<void> {
    const file = this.#o.config.file;
    this.#watcher = new FileWatcher({
      targets: [
        { path: this.#o.config.functions.dir, kind: 'tree' },
        { path: join(dirname(file), subscriptionsFolder), kind: 'folder' },
        { path: file, kind: 'file' },
      ],
      debounceMs: this.#o.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      pollIntervalMs: this.#o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      onChange: () => void this.request(),
      onWatchError: (dir, err) => this.#log.warn({ dir, err }, 'cannot watch this folder for changes; it is checked every few seconds instead'),
    });
    await this.#watcher.start();
    this.#log.info({ watching: this.#watcher.watchedDirectories().length }, 'watching functions and subscriptions for changes');
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
  }

  /**
   * Reload now, or — while a reload runs — once more right after it: every request made
   * meanwhile shares that one reload, which reads everything they changed.
   */
  request(): Promise<ReloadResult> {
    this.#next ??= this.#queue.then(() => {
      this.#next = undefined;
      return this.#reloadOnce();
    });
    this.#queue = this.#next.catch(() => undefined);
    return this.#next;
  }

  health(): ReadinessCheck {
    const last = this.#last;
    const watching = this.#watcher ? `watching ${this.#watcher.watchedDirectories().length} folders` : 'not watching';
    if (!last) return { name: 'reload', ok: true, detail: watching };
    const problems = last.problems.map(formatProblem);
    const detail = [`${watching}; last reload ${last.at.toISOString()}: ${last.outcome}`, ...problems].join('; ');
    // Broken files are reported, not fatal: the last good versions still serve.
    return { name: 'reload', ok: true, detail };
  }

  async #reloadOnce(): Promise<ReloadResult> {
    if (this.#stopped) return { outcome: 'stopped' };
    const started = Date.now();
    let result: ReloadResult;
    try {
      result = await this.#reload();
    } catch (err) {
      this.#log.error({ err, retryInMs: retryDelayMs }, 'reload failed; trying again (what it applied before failing stays)');
      result = { outcome: 'failed', error: String(err) };
      this.#retryLater();
    }
    const problems = result.outcome === 'applied' || result.outcome === 'rejected' ? result.problems : [];
    this.#last = { at: new Date(), outcome: result.outcome, problems };
    this.#metrics.reloads?.inc({ outcome: result.outcome });
    this.#metrics.problems?.set(problems.length);
    if (result.outcome === 'applied') this.#summarise(result, Date.now() - started);
    return result;
  }

  async #reload(): Promise<ReloadResult> {
    const { config: running, catalog, snapshots } = this.#o;
    // Only subscriptions and functions change while running; the rest needs a restart.
    const main = await readConfig(running.file, { env: this.#env });
    const fromFiles = await readSubscriptionFiles(dirname(running.file), { env: this.#env });
    const configProblems = [...main.problems, ...fromFiles.problems];
    if (!main.config || !main.yaml || !main.written || configProblems.length > 0) return this.#reject(configProblems);
    this.#noticeRestart(main.config);

    const dir = running.functions.dir;
    const scan = await scanFunctions(running.functions, {
      env: this.#env, dirLocation: functionsDirLocation(main.yaml, main.written), dirDefaulted: main.written.functions?.dir === undefined,
    });
    const unreadable = folderProblems(scan, dir);
    if (unreadable.length > 0) return this.#reject(unreadable);
    const functions = await reloadFunctions(catalog.loaded(), scan.catalog, scan.problems, dir, snapshots);

    const yaml = main.yaml;
    const declared: DeclaredSubscription[] = [
      ...main.config.subscriptions.map((subscription, i) => ({ subscription, yaml, path: ['subscriptions', i] })),
      ...fromFiles.subscriptions,
      ...triggerSubscriptions(functions.loaded),
    ];
    const duplicates = checkSubscriptionNames(declared);
    if (duplicates.length > 0) {
      for (const taken of functions.fresh) snapshots.discard(taken);
      return this.#reject(duplicates);
    }
    return this.#apply(functions, declared);
  }

  /** The catalog first (a new subscription finds its function), then the subscriptions. */
  async #apply(functions: FunctionsReload, declared: readonly DeclaredSubscription[]): Promise<ReloadResult> {
    const { config: running, catalog, snapshots } = this.#o;
    for (const p of functions.problems) this.#log.error({ function: p.function, file: p.file, line: p.line, column: p.column, code: p.code }, `${formatProblem(p)} (function ${p.function} ${p.kept ? 'keeps serving its last good version' : 'is not loaded'} until this is fixed)`);
    catalog.replace(functions.loaded.values());
    for (const old of functions.replaced) snapshots.discard(old, true);
    const subscriptions = await this.#o.router.reconcile(declared.map((d) => d.subscription), running.shutdownTimeoutMs);
    this.#o.onApplied?.();
    // Allowed while running (unlike at start): its events fail with SB_FUNCTION_NOT_FOUND,
    // are retried, then dead-lettered for a replay once the function is back.
    for (const p of checkFunctionsExist(declared, catalog.names(), running.functions.dir)) this.#log.warn({ file: p.file, line: p.line, column: p.column }, `${formatProblem(p)} (its events fail until the function is loaded)`);
    if (subscriptions.failed.length > 0) this.#retryLater();
    return {
      outcome: 'applied',
      functions: functions.summary,
      subscriptions: { added: subscriptions.added.map((s) => s.name), changed: subscriptions.changed.map((s) => s.name), removed: [...subscriptions.removed], failed: subscriptions.failed },
      problems: functions.problems,
    };
  }

  /** The bus refused part of a reload: try it again (unchanged parts are left alone). */
  #retryLater(): void {
    setTimeout(() => void this.request(), retryDelayMs).unref();
  }

  #reject(problems: readonly CodedProblem[]): ReloadResult {
    for (const p of problems) this.#log.error({ file: p.file, line: p.line, column: p.column, code: p.code }, `${formatProblem(p)} (not reloaded: the running functions and subscriptions stay until this is fixed)`);
    return { outcome: 'rejected', problems };
  }

  /** Once per distinct change: what the file says now that only a restart applies. */
  #noticeRestart(next: ResolvedConfig): void {
    const running = this.#o.config;
    const keys = (['bus', 'http', 'functions', 'log', 'shutdownTimeoutMs', 'sources'] as const)
      .filter((key) => JSON.stringify(running[key]) !== JSON.stringify(next[key]))
      .map((key) => (key === 'shutdownTimeoutMs' ? 'shutdownTimeout' : key));
    const notice = keys.join(',');
    if (notice !== '' && notice !== this.#restartNotice) {
      this.#log.warn({ settings: keys, file: running.file }, `restart switchboard to apply the changed ${keys.join(', ')} settings; only subscriptions and functions are reloaded while it runs`);
    }
    this.#restartNotice = notice;
  }

  #summarise(result: Extract<ReloadResult, { outcome: 'applied' }>, durationMs: number): void {
    const { functions: f, subscriptions: s } = result;
    const anything = [f.added, f.changed, f.removed, f.keptBroken, f.broken, s.added, s.changed, s.removed, s.failed].some((l) => l.length > 0);
    const compact = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).filter(([, l]) => l.length > 0));
    const fields = { functions: compact({ ...f }), subscriptions: compact({ ...s }), durationMs };
    if (anything) this.#log.info(fields, 'reloaded');
    else this.#log.debug(fields, 'reloaded: nothing changed');
  }
}

function triggerSubscriptions(loaded: ReadonlyMap<string, LoadedFunction>): DeclaredSubscription[] {
  return [...loaded.keys()].sort().flatMap((name) =>
    loaded.get(name)!.source.manifest.triggers.map((trigger) => ({ subscription: subscriptionFromTrigger(trigger, name), path: [] })),
  );
}
