// The appliance's own part of the OVF properties: its configuration (edit-config.ts) and the
// secret files it references. The edited configuration is checked by the appliance's own
// loader before it replaces the old one, and only if the edit adds no problem of its own is
// it renamed into place — an operator's file the appliance can start with is never swapped
// for one it cannot.

import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readConfig } from '../config/load.js';
import { editApplianceConfig, operatorTokenSecretFile, vcenterSecretFile, webhookSecretFile, type ConfigSettings } from './edit-config.js';
import { configKey, problemFor, type OvfProblem } from './ovf-problem.js';
import type { Owner, TargetRoot } from './target-files.js';

export const applianceConfigFile = '/etc/switchboard/switchboard.yaml';
export const secretsDir = '/etc/switchboard/secrets';
/** As the package's postinst makes them: the appliance reads its secrets, nobody else. */
const secretOwner: Owner = { user: 'switchboard', group: 'switchboard' };

export interface ConfigOutcome {
  readonly changed: string[];
  readonly problems: OvfProblem[];
}

export async function applyApplianceConfig(settings: ConfigSettings, target: TargetRoot, env: NodeJS.ProcessEnv): Promise<ConfigOutcome> {
  const changed: string[] = [];
  const problems: OvfProblem[] = [];
  const { vcenter, webhookAuth, operatorToken, debug } = settings;
  if (vcenter === undefined && webhookAuth === undefined && operatorToken === undefined && debug === undefined) return { changed, problems };
  const text = await target.read(applianceConfigFile);
  if (text === undefined) {
    problems.push(problemFor(configKey, `${applianceConfigFile} does not exist: the vCenter, webhook, operator token and debug properties were not applied (reinstall the switchboard package to get it back)`));
    return { changed, problems };
  }
  const edit = editApplianceConfig(text, settings);
  if (!edit.ok) {
    problems.push(problemFor(configKey, `${applianceConfigFile} was left untouched because ${edit.reason}: fix it (switchboard validate shows where), then run switchboard ovf apply`));
    return { changed, problems };
  }
  problems.push(...edit.problems);

  // Secrets first: the edited configuration refers to them, and its check reads them.
  const secrets = [
    { path: vcenterSecretFile, value: settings.vcenter === undefined ? undefined : (settings.vcenter?.password ?? null) },
    { path: webhookSecretFile, value: settings.webhookAuth === undefined ? undefined : (settings.webhookAuth?.password ?? null) },
    { path: operatorTokenSecretFile, value: settings.operatorToken },
  ];
  for (const secret of secrets) {
    if (typeof secret.value !== 'string') continue;
    await target.ensureDir(secretsDir, 0o700, secretOwner);
    if (await target.sync({ path: secret.path, content: secret.value, mode: 0o600, owner: secretOwner })) changed.push(secret.path);
  }

  let onDisk = text;
  if (edit.changed) {
    const refused = await replaceConfig(edit.text, target, env);
    if (refused) problems.push(problemFor(configKey, refused));
    else {
      changed.push(applianceConfigFile);
      onDisk = edit.text;
    }
  }

  // A blank secret goes once the configuration on disk no longer refers to it.
  for (const secret of secrets) {
    if (secret.value === null && !onDisk.includes(secret.path) && (await target.remove(secret.path))) changed.push(secret.path);
  }
  return { changed, problems };
}

/** Renames the edited text into place unless it has problems the old one had not; else says why not. */
async function replaceConfig(edited: string, target: TargetRoot, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const real = target.resolve(applianceConfigFile);
  const current = await stat(real);
  // Keep the operator's mode and owner (the package makes it root:switchboard 0640).
  const temp = await target.writeTemp(applianceConfigFile, edited, current.mode & 0o7777, { user: current.uid, group: current.gid });
  const options = { env, readReference: (path: string) => readFileSync(insideRoot(target.root, path), 'utf8') };
  const before = await readConfig(real, options);
  const after = await readConfig(temp, options);
  // Compared by code and message, not position: the edit moves lines. Problems the file
  // already had (a ${env:} only the service's environment sets) are not the edit's doing.
  const known = new Set(before.problems.map((p) => `${p.code} ${p.message}`));
  const added = after.problems.filter((p) => !known.has(`${p.code} ${p.message}`));
  if (added.length > 0) {
    await target.discard(temp);
    const first = added[0]!;
    return `${applianceConfigFile} was left as it was: with the OVF properties applied it would not be valid (${first.path ? `${first.path}: ` : ''}${first.message}${added.length > 1 ? ` and ${added.length - 1} more` : ''})`;
  }
  await target.commit(temp, applianceConfigFile);
  return undefined;
}

/** A ${file:} path of the appliance, seen from this machine (relative ones already resolved inside the root). */
function insideRoot(root: string, path: string): string {
  if (root === '/' || !isAbsolute(path) || path.startsWith(`${root.replace(/\/$/, '')}/`)) return path;
  return join(root, path);
}
