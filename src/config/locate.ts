// Which switchboard.yaml to read: --config, else $SWITCHBOARD_CONFIG, else ./switchboard.yaml,
// else /etc/switchboard/switchboard.yaml. A path the operator named must exist; falling back
// past it would run a different config than the one they meant.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigNotFoundError } from '../errors.js';

export const systemConfigPath = '/etc/switchboard/switchboard.yaml';

export interface LocateOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly exists?: (path: string) => boolean;
}

/** Absolute path of the config file to load. Throws ConfigNotFoundError naming what was searched. */
export function locateConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env, options: LocateOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const exists = options.exists ?? existsSync;
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!exists(path)) throw new ConfigNotFoundError(`--config ${explicit}: ${path} does not exist. Check the path.`);
    return path;
  }
  const fromEnv = env.SWITCHBOARD_CONFIG;
  if (fromEnv) {
    const path = resolve(cwd, fromEnv);
    if (!exists(path)) {
      throw new ConfigNotFoundError(`SWITCHBOARD_CONFIG=${fromEnv}: ${path} does not exist. Fix or unset SWITCHBOARD_CONFIG.`);
    }
    return path;
  }
  const searched = [resolve(cwd, 'switchboard.yaml'), systemConfigPath];
  const found = searched.find((path) => exists(path));
  if (found) return found;
  throw new ConfigNotFoundError(
    `no switchboard.yaml found. Searched: --config (not given), $SWITCHBOARD_CONFIG (not set), ${searched.join(', ')}. ` +
      'Pass --config <file>, set SWITCHBOARD_CONFIG, or create one of those files.',
  );
}
