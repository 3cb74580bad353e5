// A problem with one OVF property: reported (stderr, the journal, the console banner) and
// never fatal — the property's value is ignored and everything else is still applied.
// A message never contains the value of a password property.

import { ovfProperty } from './properties.js';

export interface OvfProblem {
  /**
   * The property's key (`guestinfo.ipaddress`); `ovf-environment` for the document itself,
   * `appliance-config` for switchboard.yaml when it cannot take the properties at all,
   * `ovf-apply` for a file that could not be written.
   */
  readonly key: string;
  /** The property's label as the deploy wizard shows it. */
  readonly label: string;
  readonly message: string;
}

export const environmentKey = 'ovf-environment';
export const configKey = 'appliance-config';
/** A file that could not be written: the run stopped there. */
export const applyKey = 'ovf-apply';

const otherLabels: Readonly<Record<string, string>> = {
  [environmentKey]: 'OVF environment',
  [configKey]: 'Appliance configuration',
  [applyKey]: 'Applying the OVF properties',
};

export function problemFor(key: string, message: string): OvfProblem {
  return { key, label: ovfProperty(key)?.label ?? otherLabels[key] ?? key, message };
}

export function formatOvfProblem(problem: OvfProblem): string {
  return `${problem.label} (${problem.key}): ${problem.message}`;
}
