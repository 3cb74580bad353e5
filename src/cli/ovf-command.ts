// `switchboard ovf apply|properties`: the OVF properties a vSphere admin fills in when
// deploying the OVA. `apply` runs at every boot (switchboard-ovf.service) and by hand; a bad
// property value is printed and ignored (exit 0), a malformed environment or a file it
// cannot write is an error (exit 1).

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { OvfApplyError } from '../errors.js';
import { applyOvf, type OvfApplyResult } from '../ovf/apply.js';
import { defaultTransportDeps } from '../ovf/environment-transports.js';
import { formatOvfProblem } from '../ovf/ovf-problem.js';
import { ovfProperties } from '../ovf/properties.js';
import { createDryRunActions, createSystemActions } from '../ovf/system-actions.js';
import { runCommand } from './run-command.js';

interface ApplyFlags {
  envFile?: string;
  root: string;
  restart: boolean;
  json?: boolean;
}

export function registerOvfCommands(program: Command): void {
  const ovf = program.command('ovf').description('the OVF properties of the appliance (vSphere: the VM\'s vApp Options)');
  ovf
    .command('apply')
    .description('apply the OVF environment (from VMware Tools, else ovf-env.xml on a CD-ROM) to this appliance; runs at every boot')
    .option('--env-file <file>', 'read the OVF environment from this file (an ovf-env.xml) instead')
    .option('--root <dir>', 'apply under this folder instead of / (system commands are printed, not run)', '/')
    .option('--no-restart', 'do not restart systemd-networkd or switchboard.service when their settings change (at boot they start after this step)')
    .option('--json', 'print the result as JSON')
    .action((flags: ApplyFlags) => runCommand(() => ovfApplyCommand(flags)));
  ovf
    .command('properties')
    .description('list the OVF properties: key, label, category and default')
    .option('--json', 'print the whole catalogue as JSON (with descriptions and kinds)')
    .action((flags: { json?: boolean }) =>
      runCommand(async () => {
        process.stdout.write(flags.json ? `${JSON.stringify(ovfProperties, null, 2)}\n` : propertiesTable());
      }),
    );
}

export async function ovfApplyCommand(flags: ApplyFlags): Promise<void> {
  const root = resolve(flags.root);
  const onSystem = root === '/';
  const isDir = await stat(root).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new OvfApplyError(`--root ${flags.root} is not a folder: give the folder that stands for the appliance's /`);
  if (onSystem && process.getuid?.() !== 0) {
    throw new OvfApplyError("it writes /etc and sets root's password, so it must run as root: sudo switchboard ovf apply (or --root DIR to try it under a folder)");
  }
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const result = await applyOvf({
    root,
    ...(flags.envFile === undefined ? {} : { envFile: flags.envFile }),
    restart: flags.restart,
    system: onSystem ? createSystemActions() : createDryRunActions(note),
    transports: defaultTransportDeps(note),
  });
  // Problems are not failures: each value was ignored and the rest applied. On stderr they
  // reach the journal and, through the unit, the console.
  for (const problem of result.problems) process.stderr.write(`OVF property problem: ${formatOvfProblem(problem)}\n`);
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : summary(result, flags.restart));
}

function summary(result: OvfApplyResult, restart: boolean): string {
  if (result.transport === 'none') return 'no OVF environment (none from VMware Tools, no ovf-env.xml on a CD-ROM): nothing changed\n';
  const lines = [`OVF environment from ${result.from}`];
  if (result.changed.length === 0) lines.push('nothing changed');
  lines.push(...result.changed.map((path) => `changed ${path}`));
  lines.push(...result.restarted.map((unit) => `restarted ${unit}`));
  const pending = [result.restartNeeded.network ? 'systemd-networkd.service' : '', result.restartNeeded.appliance ? 'switchboard.service' : ''].filter(Boolean);
  if (pending.length > 0 && !restart) lines.push(`not restarted (--no-restart; at boot they start after this): ${pending.join(', ')}`);
  if (result.problems.length > 0) lines.push(`${result.problems.length} property value(s) ignored: see the problems above`);
  return `${lines.join('\n')}\n`;
}

function propertiesTable(): string {
  const header = ['KEY', 'LABEL', 'CATEGORY', 'DEFAULT'];
  const rows = ovfProperties.map((p) => [p.key, p.label, p.category, p.defaultValue]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
