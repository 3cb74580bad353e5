// `switchboard console-banner`: the console's login banner (agetty's issue file) from the
// running appliance's state, asked over /readyz. The running appliance keeps the image's
// banner current itself (src/console/banner-writer.ts); this command is for a look by hand
// and for switchboard.service's ExecStopPost, which writes what a crashed appliance cannot.

import type { Command } from 'commander';
import { gatherBannerInputs, defaultOvfStatusFile } from '../console/banner-inputs.js';
import { renderBanner } from '../console/banner.js';
import { writeAtomically } from '../console/write-atomically.js';
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
