import { loadSwitchboard } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { checkAllFunctionSyntax } from '../runtime/check-syntax.js';

export async function validateCommand(opts: { config?: string; json?: boolean }): Promise<void> {
  const { config, functions } = await loadSwitchboard({ configPath: opts.config });
  const broken = await checkAllFunctionSyntax(functions);
  if (broken.length > 0) throw new ConfigError(broken, 'SB_FUNCTION_LOAD_FAILED');
  const summary = {
    valid: true,
    file: config.file,
    sources: config.sources.map((s) => `${s.name} (${s.type})`),
    subscriptions: config.subscriptions.map((s) => `${s.name} → ${s.function}`),
    functions: functions.names(),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${config.file} is valid: ${summary.sources.length} source(s), ${summary.subscriptions.length} subscription(s), ` +
      `${summary.functions.length} function(s)\n` +
      summary.subscriptions.map((s) => `  subscription ${s}\n`).join(''),
  );
}
