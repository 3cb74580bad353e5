// What no function may see, whatever its sandbox mounts: the appliance's configuration and
// its folder, the bus store, the functions folder (the other functions) and the secrets
// folder (the other functions' secrets). The local processor masks those that live under a
// tree its sandboxes mount (processors/local/system-view.ts).

import type { ResolvedConfig } from '../config/types.js';

type Where = Pick<ResolvedConfig, 'file' | 'baseDir'> & {
  readonly bus: Pick<ResolvedConfig['bus'], 'dataDir'>;
  readonly functions: Pick<ResolvedConfig['functions'], 'dir' | 'secretsDir'>;
};

export function protectedPaths(config: Where): string[] {
  return [config.file, config.baseDir, config.bus.dataDir, config.functions.dir, config.functions.secretsDir];
}
