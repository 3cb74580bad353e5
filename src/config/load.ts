// The one entry point: find switchboard.yaml, read it and everything beside it
// (subscriptions/*.yaml, the functions folder and its manifests), check them together, and
// return a frozen config and function catalog — or throw one ConfigError with every problem,
// before anything starts.

import { dirname } from 'node:path';
import { createFunctionCatalog, scanFunctions, type DirLocation } from '../runtime/function-registry.js';
import type { FunctionCatalog } from '../runtime/function-definition.js';
import { checkFunctionsExist, checkSourceNames, checkSubscriptionNames, type DeclaredSubscription } from './cross-check.js';
import { deepFreeze } from './deep-freeze.js';
import { locateConfig } from './locate.js';
import { problemsError, throwIfProblems, type CodedProblem } from './problems.js';
import { readYamlFile, type ReadYamlOptions } from './read-yaml.js';
import { resolveConfig, type WrittenConfig } from './resolve-config.js';
import { checkSourceConfigs } from './source-checks.js';
import { buildConfigSchema } from './schema.js';
import { subscriptionFromTrigger } from './subscription.js';
import { readSubscriptionFiles } from './subscription-files.js';
import type { ResolvedConfig } from './types.js';
import { positionAt, type YamlFile } from './yaml-file.js';

export interface LoadOptions {
  /** --config; otherwise $SWITCHBOARD_CONFIG, ./switchboard.yaml, /etc/switchboard/switchboard.yaml. */
  readonly configPath?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Switchboard {
  readonly config: ResolvedConfig;
  readonly functions: FunctionCatalog;
}

const configSchema = buildConfigSchema();

export interface ConfigFileResult {
  readonly config?: ResolvedConfig;
  readonly yaml?: YamlFile;
  readonly written?: WrittenConfig;
  readonly problems: CodedProblem[];
}

export async function readConfig(file: string, options: ReadYamlOptions): Promise<ConfigFileResult> {
  const read = await readYamlFile(file, configSchema, options);
  if (!read.yaml || read.problems.length > 0) return { problems: read.problems };
  const written = read.data as WrittenConfig;
  const { config, problems } = resolveConfig(read.yaml, written, dirname(file));
  problems.push(...checkSourceNames(read.yaml, config.sources));
  problems.push(...checkSourceConfigs(read.yaml, config.sources));
  return { config, yaml: read.yaml, written, problems };
}

/**
 * switchboard.yaml alone (its own subscriptions only, no functions folder): for commands that
 * need the bus settings and nothing else. Throws ConfigError.
 */
export async function loadConfigFile(options: LoadOptions = {}): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  const { config, problems } = await readConfig(locateConfig(options.configPath, env), { env });
  throwIfProblems(problems);
  return deepFreeze(config!);
}

export function functionsDirLocation(yaml: YamlFile, written: WrittenConfig): DirLocation {
  if (written.functions?.dir === undefined) return { file: yaml.file, line: 1, column: 1, path: 'functions.dir' };
  return { file: yaml.file, ...positionAt(yaml, ['functions', 'dir']), path: 'functions.dir' };
}

/** Everything the appliance needs from disk, checked. Throws ConfigError or ConfigNotFoundError. */
export async function loadSwitchboard(options: LoadOptions = {}): Promise<Switchboard> {
  const env = options.env ?? process.env;
  const file = locateConfig(options.configPath, env);
  const problems: CodedProblem[] = [];

  const main = await readConfig(file, { env });
  problems.push(...main.problems);
  const fromFiles = await readSubscriptionFiles(dirname(file), { env });
  problems.push(...fromFiles.problems);
  // Without a valid config the functions folder and its limits are unknown: report what we have.
  if (!main.config || !main.yaml || !main.written) throw problemsError(problems);
  const config = main.config;

  const scan = await scanFunctions(config.functions, {
    env,
    dirLocation: functionsDirLocation(main.yaml, main.written),
    dirDefaulted: main.written.functions?.dir === undefined,
  });
  problems.push(...scan.problems);

  const declared: DeclaredSubscription[] = [
    ...config.subscriptions.map((subscription, i) => ({ subscription, yaml: main.yaml, path: ['subscriptions', i] })),
    ...fromFiles.subscriptions,
    ...scan.catalog.names().flatMap((name) =>
      scan.catalog.get(name)!.manifest.triggers.map((trigger) => ({
        subscription: subscriptionFromTrigger(trigger, name),
        path: [],
      })),
    ),
  ];
  problems.push(...checkSubscriptionNames(declared));
  if (scan.folderRead) problems.push(...checkFunctionsExist(declared, scan.catalog.names(), config.functions.dir));
  throwIfProblems(problems);

  const definitions = scan.catalog.names().map((name) => deepFreeze(scan.catalog.get(name)!));
  return Object.freeze({
    config: deepFreeze({ ...config, subscriptions: declared.map((d) => d.subscription) }),
    functions: Object.freeze(createFunctionCatalog(definitions)),
  });
}
