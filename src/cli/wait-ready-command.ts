// `switchboard wait-ready`: waits until the appliance of this configuration answers
// /readyz with 200 (bus connected, sources running), for scripts. (The systemd unit needs no
// wait: the appliance tells systemd itself, src/cli/service-manager-notify.ts.)

import { loadConfigFile } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { ApplianceNotRunningError } from '../errors.js';
import { localUrl } from '../http/local-url.js';

export interface WaitReadyOptions {
  readonly config?: string;
  readonly timeout?: string;
}

export async function waitReadyCommand(opts: WaitReadyOptions): Promise<void> {
  const config = await loadConfigFile({ configPath: opts.config });
  const timeoutMs = parseDuration(opts.timeout ?? '60s');
  const url = localUrl(config.http, '/readyz');
  const started = Date.now();
  let last = 'no answer yet';
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        process.stdout.write(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${url})\n`);
        return;
      }
      last = `${response.status}: ${(await response.text()).slice(0, 500)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ApplianceNotRunningError(`the appliance at ${url} was not ready within ${timeoutMs / 1000} s; last answer: ${last}. See its log (journalctl -u switchboard).`);
}
