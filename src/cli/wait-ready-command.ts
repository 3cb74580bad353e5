// `switchboard wait-ready`: waits until the appliance of this configuration answers
// /readyz with 200 (bus connected, sources running), for scripts and for the systemd unit's
// ExecStartPost (appliance/deb/switchboard.service): units ordered after it start then.

import { loadConfigFile } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { ApplianceNotRunningError } from '../errors.js';

export interface WaitReadyOptions {
  readonly config?: string;
  readonly timeout?: string;
}

export async function waitReadyCommand(opts: WaitReadyOptions): Promise<void> {
  const config = await loadConfigFile({ configPath: opts.config });
  const timeoutMs = parseDuration(opts.timeout ?? '60s');
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/readyz`;
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
