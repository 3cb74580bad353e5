// What reading a configuration needs of each source type: its schema fragment and its checks,
// without its client libraries (mqtt, ws…). `switchboard validate`, `ovf apply` and every
// other command that only reads the configuration load this, not registry.ts, and start
// faster for it. registry.ts adds the factories; a unit test keeps the two lists the same.

import { cronSchema, validateCronConfig } from './cron/schema.js';
import { mqttSchema, validateMqttConfig } from './mqtt/schema.js';
import type { SourceDefinition } from './source.js';
import { validateVcenterConfig, vcenterSchema } from './vcenter/schema.js';
import { webhookSchema } from './webhook/schema.js';

export const sourceDefinitions = {
  webhook: { schema: webhookSchema },
  vcenter: { schema: vcenterSchema, validate: validateVcenterConfig },
  mqtt: { schema: mqttSchema, validate: validateMqttConfig },
  cron: { schema: cronSchema, validate: validateCronConfig },
} satisfies Record<string, SourceDefinition<never>>;
