// Watches what a reload reads — a folder tree (functions/), a flat folder (subscriptions/)
// and single files (switchboard.yaml) — and calls `onChange` once per burst of changes.
//
// fs.watch (inotify) is the fast path: one watch per directory, not per file (Node 20's
// recursive mode watches every file, node_modules included, with synchronous stats). The
// parent of each target is watched too, so a target that is created, deleted or replaced
// (an editor's write-to-temp-then-rename, `rm -rf functions && cp -r …`) is noticed, and
// each resync re-arms the watch of a directory that is new or was recreated. A periodic
// stat of the same files is the safety net for what inotify misses (network file systems,
// some bind mounts, an exhausted watch limit).

import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WatchTarget {
  readonly path: string;
  /** tree: the folder and everything in it; folder: its entries only; file: itself. */
  readonly kind: 'tree' | 'folder' | 'file';
}

export interface WatchOptions {
  readonly targets: readonly WatchTarget[];
  /** Quiet time after the last change before `onChange`: an editor's save is one burst. */
  readonly debounceMs: number;
  /** How often files are stat'ed in case a change raised no event. 0: never. */
  readonly pollIntervalMs: number;
  readonly onChange: () => void;
  /** A directory could not be watched (the periodic stat still covers it). */
  readonly onWatchError?: (dir: string, err: Error) => void;
}

export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_POLL_INTERVAL_MS = 5_000;

/** Editors' swap, backup and temp files: never a function or a subscription. */
const ignoredName = (name: string): boolean => name.startsWith('.') || name.endsWith('~');

/** Per directory: the names in it that matter ('all' but ignored ones, or these). */
type Interest = 'all' | Set<string>;

interface Watched {
  readonly watcher: FSWatcher;
  readonly ino: number;
  interest: Interest;
}

export class FileWatcher {
  readonly #options: WatchOptions;
  readonly #watched = new Map<string, Watched>();
  readonly #failed = new Set<string>();
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #signature = '';
  #syncing: Promise<boolean> = Promise.resolve(false);
  #closed = false;

  constructor(options: WatchOptions) {
    this.#options = options;
  }

  /** Arm the watches; resolves once they are in place. */
  async start(): Promise<void> {
    await this.#sync();
    if (this.#options.pollIntervalMs > 0) this.#schedulePoll();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#poll);
    for (const w of this.#watched.values()) w.watcher.close();
    this.#watched.clear();
  }

  /** Directories watched now (for tests and /readyz). */
  watchedDirectories(): string[] {
    return [...this.#watched.keys()].sort();
  }

  #changed(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      // Re-arm first, then reload: a change after this point raises an event again, and
      // anything before it is on disk for the reload to read.
      void this.#sync().then(() => this.#closed || this.#options.onChange());
    }, this.#options.debounceMs);
  }

  #schedulePoll(): void {
    this.#poll = setTimeout(() => {
      // A pending debounce reloads anyway: polling now would only split its burst.
      const check = this.#debounce ? Promise.resolve(false) : this.#sync();
      void check.then((changed) => {
        if (this.#closed) return;
        if (changed) this.#options.onChange();
        this.#schedulePoll();
      });
    }, this.#options.pollIntervalMs);
    this.#poll.unref();
  }

  /** Walk the targets, re-arm watches, and say whether any file changed since the last walk. */
  #sync(): Promise<boolean> {
    this.#syncing = this.#syncing.then(async () => {
      const wanted = new Map<string, Interest>();
      const lines: string[] = [];
      try {
        for (const target of this.#options.targets) await walkTarget(target, wanted, lines);
        if (this.#closed) return false;
        await this.#rearm(wanted);
      } catch {
        return true; // could not tell: reload, which reports what is wrong
      }
      const signature = lines.join('\n');
      const changed = signature !== this.#signature;
      this.#signature = signature;
      return changed;
    });
    return this.#syncing;
  }

  async #rearm(wanted: ReadonlyMap<string, Interest>): Promise<void> {
    for (const [dir, w] of this.#watched) {
      const ino = (await stat(dir).catch(() => undefined))?.ino;
      if (!wanted.has(dir) || ino !== w.ino) {
        w.watcher.close();
        this.#watched.delete(dir);
      }
    }
    for (const [dir, interest] of wanted) {
      const existing = this.#watched.get(dir);
      if (existing) {
        existing.interest = interest;
        continue;
      }
      const info = await stat(dir).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      this.#arm(dir, info.ino, interest);
    }
  }

  #arm(dir: string, ino: number, interest: Interest): void {
    try {
      const entry: Watched = {
        ino,
        interest,
        watcher: watch(dir, { persistent: false }, (_event, name) => {
          const file = name === null ? null : String(name);
          if (file === null || (entry.interest === 'all' ? !ignoredName(file) : entry.interest.has(file))) this.#changed();
        }),
      };
      entry.watcher.on('error', () => {
        // Usually the directory went away: the next sync re-arms it if it comes back.
        entry.watcher.close();
        if (this.#watched.get(dir) === entry) this.#watched.delete(dir);
        this.#changed();
      });
      this.#watched.set(dir, entry);
      this.#failed.delete(dir);
    } catch (err) {
      // ENOSPC (inotify's watch limit) and the like: say it once; polling covers the dir.
      if (!this.#failed.has(dir)) this.#options.onWatchError?.(dir, err as Error);
      this.#failed.add(dir);
    }
  }
}

function want(wanted: Map<string, Interest>, dir: string, interest: Interest): void {
  const had = wanted.get(dir);
  if (had === 'all' || interest === 'all') wanted.set(dir, 'all');
  else wanted.set(dir, new Set([...(had ?? []), ...interest]));
}

/** Adds the directories to watch for `target` and a line per file and folder found. */
async function walkTarget(target: WatchTarget, wanted: Map<string, Interest>, lines: string[]): Promise<void> {
  want(wanted, dirname(target.path), new Set([basename(target.path)]));
  const info = await stat(target.path).catch(() => undefined);
  if (!info) lines.push(`${target.path} -`);
  else if (target.kind === 'file' || !info.isDirectory()) lines.push(fileLine(target.path, info));
  else await walkFolder(target.path, target.kind === 'tree', wanted, lines);
}

async function walkFolder(dir: string, deep: boolean, wanted: Map<string, Interest>, lines: string[]): Promise<void> {
  want(wanted, dir, 'all');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (ignoredName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && deep && entry.name !== 'node_modules') await walkFolder(path, deep, wanted, lines);
    else if (entry.isDirectory() && deep) {
      // Dependencies: npm rewrites node_modules/.package-lock.json on every install, so the
      // folder itself and that file stand for all of it (no watch per package folder).
      want(wanted, path, new Set(['.package-lock.json']));
      const lock = await stat(join(path, '.package-lock.json')).catch(() => undefined);
      lines.push(lock ? fileLine(join(path, '.package-lock.json'), lock) : `${path}/`);
    } else {
      const info = await stat(path).catch(() => undefined);
      if (info) lines.push(fileLine(path, info));
    }
  }
}

function fileLine(path: string, info: { ino: number; size: number; mtimeMs: number; mode: number }): string {
  return `${path} ${info.ino} ${info.size} ${info.mtimeMs} ${info.mode}`;
}
