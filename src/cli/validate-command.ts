import { loadSwitchboard } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { checkAllFunctionSyntax } from '../runtime/check-syntax.js';
import { filterWarnings } from '../filters/compile.js';

export async function validateCommand(opts: { config?: string; json?: boolean }): Promise<void> {
  const { config, functions } = await loadSwitchboard({ configPath: opts.config });
  const broken = await checkAllFunctionSyntax(functions);
  if (broken.length > 0) throw new ConfigError(broken, 'SB_FUNCTION_LOAD_FAILED');
  // Not errors: what a CESQL expression most likely did not mean (AND/OR without parentheses…).
  const warnings = config.subscriptions.flatMap((s) =>
    filterWarnings(s.filters).map((w) => ({ subscription: s.name, at: `${s.declaredAt.file}:${s.declaredAt.line}`, path: w.path, message: w.message })));
  const summary = {
    valid: true,
    warnings,
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
      summary.subscriptions.map((s) => `  subscription ${s}\n`).join('') +
      warnings.map((w) => `  warning: subscription ${w.subscription} (${w.at}) ${w.path}: ${w.message}\n`).join(''),
  );
}
