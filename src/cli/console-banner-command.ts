// `switchboard console-banner`: the console's login banner (agetty's issue file) from the
// running appliance's state. switchboard-console.timer runs it every 30 s with
// --write /run/switchboard-console/issue (the image's /etc/issue links there), then
// `agetty --reload` so a waiting login prompt redraws when the text changed.

import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { gatherBannerInputs, defaultOvfStatusFile } from '../console/banner-inputs.js';
import { renderBanner } from '../console/banner.js';
import { runCommand } from './run-command.js';

export interface ConsoleBannerOptions {
  readonly config?: string;
  readonly write?: string;
  readonly ovfStatus?: string;
}

export function registerConsoleBannerCommand(program: Command, configOption: readonly [string, string]): void {
  program
    .command('console-banner')
    .description("print the console's login banner (URLs, version, /readyz checks, OVF problems) as agetty reads it (backslashes doubled)")
    .option(...configOption)
    .option('--write <file>', 'replace FILE with the banner atomically (mode 0644) instead of printing it')
    .option('--ovf-status <file>', 'the OVF-properties status of this boot', defaultOvfStatusFile)
    .action((opts: ConsoleBannerOptions) => runCommand(() => consoleBannerCommand(opts)));
}

export async function consoleBannerCommand(opts: ConsoleBannerOptions): Promise<void> {
  const inputs = await gatherBannerInputs({
    ...(opts.config === undefined ? {} : { configPath: opts.config }),
    ...(opts.ovfStatus === undefined ? {} : { ovfStatusFile: opts.ovfStatus }),
  });
  const text = renderBanner(inputs);
  if (opts.write === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeAtomically(opts.write, text);
}

/** agetty may read the file at any moment: it sees the old banner or the new one, never half. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(partial, text, { flag: 'wx', mode: 0o644 });
    await chmod(partial, 0o644); // whatever the umask: agetty runs as root, but `cat` need not
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
