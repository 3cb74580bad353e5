// Every source type the appliance can run, by the `type:` an operator writes. A new source
// type is a folder under sources/, one line here and one in definitions.ts (its schema and
// checks, for commands that only read the configuration) — never an if-chain.

import { cronSource } from './cron/index.js';
import { mqttSource } from './mqtt/index.js';
import type { SourceType } from './source.js';
import { vcenterSource } from './vcenter/index.js';
import { webhookSource } from './webhook/index.js';

export const sourceTypes = {
  webhook: webhookSource,
  vcenter: vcenterSource,
  mqtt: mqttSource,
  cron: cronSource,
} satisfies Record<string, SourceType<never>>;

export type SourceTypeName = keyof typeof sourceTypes;
