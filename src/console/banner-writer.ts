// The running appliance keeps the console banner current itself (the image sets
// SWITCHBOARD_CONSOLE_ISSUE): it knows its health without asking /readyz, and a banner
// refreshed by a process started every 30 s would cost a Node.js start each time (seconds of
// CPU on a small VM). It writes only when the text changes; a path unit then has agetty
// redraw. When it stops, the banner says the appliance does not answer; after a crash the
// unit's ExecStopPost (`switchboard console-banner --write`) says the same.

import { hostname, networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { localUrl } from '../http/local-url.js';
import type { ReadinessCheck } from '../http/operator-endpoints.js';
import { readVersion } from '../version.js';
import { applianceUrls, defaultOvfStatusFile, readOvfStatus } from './banner-inputs.js';
import { renderBanner, type Readiness, type ReadinessUnknown } from './banner.js';
import { writeAtomically } from './write-atomically.js';

export const consoleIssueVariable = 'SWITCHBOARD_CONSOLE_ISSUE';

export interface ConsoleBannerWriterOptions {
  /** The issue file agetty shows (the image's /etc/issue links to it). */
  readonly file: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly readiness: () => readonly ReadinessCheck[];
  readonly logger: Logger;
  readonly ovfStatusFile?: string;
  readonly intervalMs?: number;
}

export interface ConsoleBannerWriter {
  /** Writes the banner now (e.g. when the appliance became ready). */
  refresh(): Promise<void>;
  /** Stops refreshing and leaves a banner that says the appliance does not answer. */
  stop(): Promise<void>;
}

export function startConsoleBannerWriter(options: ConsoleBannerWriterOptions): ConsoleBannerWriter {
  const version = readVersion();
  let written: string | undefined;
  let failed = false;
  let chain = Promise.resolve();

  const write = (readiness: Readiness | ReadinessUnknown) => {
    chain = chain.then(async () => {
      const ovf = await readOvfStatus(options.ovfStatusFile ?? defaultOvfStatusFile);
      const text = renderBanner({
        version: await version,
        hostname: hostname(),
        urls: applianceUrls(options.http.host, options.http.port, networkInterfaces()),
        port: options.http.port,
        readiness,
        ...(ovf ? { ovf } : {}),
      });
      if (text === written) return;
      try {
        await writeAtomically(options.file, text);
        written = text;
        failed = false;
      } catch (err) {
        // Once per failure streak: a missing /run folder must not fill the journal.
        if (!failed) options.logger.warn({ err, file: options.file }, 'cannot write the console banner');
        failed = true;
      }
    });
    return chain;
  };
  const current = (): Readiness => {
    const checks = options.readiness();
    return { ready: checks.every((c) => c.ok), checks };
  };

  const timer = setInterval(() => void write(current()), options.intervalMs ?? 30_000);
  timer.unref();
  return {
    refresh: () => write(current()),
    async stop() {
      clearInterval(timer);
      await write({ reason: 'no-answer', url: localUrl(options.http, '/readyz'), message: 'the appliance stopped' });
    },
  };
}
