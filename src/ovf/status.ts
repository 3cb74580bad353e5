// What this boot's OVF step did, for the console banner (src/console/banner-inputs.ts reads
// it): when, from which transport, the problems and the files changed. In /run: it describes
// this boot only and is gone at the next.

import type { OvfTransport } from './environment-transports.js';
import type { OvfProblem } from './ovf-problem.js';
import type { TargetRoot } from './target-files.js';

export const ovfStatusFile = '/run/switchboard/ovf-status.json';

export interface OvfStatus {
  readonly appliedAt: string;
  readonly transport: OvfTransport;
  readonly problems: readonly OvfProblem[];
  /** Paths on the appliance; never a value. */
  readonly changed: readonly string[];
}

export async function writeOvfStatus(target: TargetRoot, status: OvfStatus): Promise<void> {
  await target.ensureDir('/run/switchboard', 0o755);
  await target.sync({ path: ovfStatusFile, content: `${JSON.stringify(status, null, 2)}\n`, mode: 0o644 });
}
