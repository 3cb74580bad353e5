// subscriptions/*.yaml beside switchboard.yaml: each file a YAML list of subscriptions in
// the same shape as `subscriptions:`, read in filename order so the result is stable.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodedProblem } from './problems.js';
import { readYamlFile, type ReadYamlOptions } from './read-yaml.js';
import { buildSubscriptionFileSchema } from './schema.js';
import { checkSubscription, declaredAt, readTrigger, subscriptionFromTrigger, type WrittenSubscription } from './subscription.js';
import type { DeclaredSubscription } from './cross-check.js';

export const subscriptionsFolder = 'subscriptions';
const schema = buildSubscriptionFileSchema();

async function listYamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.yaml') && !f.startsWith('.')).sort().map((f) => join(dir, f));
  } catch (e) {
    // No folder means no subscriptions there; anything else the operator must hear about.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function readSubscriptionFiles(
  configDir: string,
  options: ReadYamlOptions,
): Promise<{ subscriptions: DeclaredSubscription[]; problems: CodedProblem[] }> {
  const subscriptions: DeclaredSubscription[] = [];
  const problems: CodedProblem[] = [];
  for (const file of await listYamlFiles(join(configDir, subscriptionsFolder))) {
    const read = await readYamlFile(file, schema, options);
    problems.push(...read.problems);
    if (!read.yaml || read.problems.length > 0) continue;
    const yaml = read.yaml;
    ((read.data ?? []) as WrittenSubscription[]).forEach((written, i) => {
      problems.push(...checkSubscription(yaml, [i], written, 'SB_CONFIG_INVALID'));
      const subscription = subscriptionFromTrigger(readTrigger(written, declaredAt(yaml, [i])), written.function ?? '');
      subscriptions.push({ subscription, yaml, path: [i] });
    });
  }
  return { subscriptions, problems };
}
