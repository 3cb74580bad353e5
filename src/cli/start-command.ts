import { startAppliance } from '../appliance.js';
import { loadSwitchboard } from '../config/load.js';
import { consoleIssueVariable, startConsoleBannerWriter, type ConsoleBannerWriter } from '../console/banner-writer.js';
import { formatProblem } from '../errors.js';
import { createLogger } from '../logger.js';
import { checkAllFunctionSyntax } from '../runtime/check-syntax.js';
import { reportError } from './run-command.js';
import { notifyServiceManager } from './service-manager-notify.js';

export async function startCommand(opts: { config?: string }): Promise<void> {
  let loaded;
  try {
    loaded = await loadSwitchboard({ configPath: opts.config });
  } catch (err) {
    // Nothing has started: a broken config never half-starts the appliance.
    reportError(err);
    process.exit(1);
  }
  const { config, functions } = loaded;
  const logger = createLogger(config.log.level);
  // A function that does not parse does not stop the others: it is reported here, once, and
  // each of its invocations fails with SB_FUNCTION_LOAD_FAILED naming the same place.
  for (const problem of await checkAllFunctionSyntax(functions)) {
    logger.error({ file: problem.file, line: problem.line, column: problem.column }, `a function cannot be loaded: ${formatProblem(problem)}`);
  }
  let appliance;
  try {
    appliance = await startAppliance(config, functions, logger, {
      // Unsettled events are redelivered by JetStream once a new appliance is up.
      onFatal: () => process.exit(1),
    });
  } catch (err) {
    logger.fatal({ err }, 'switchboard could not start');
    reportError(err);
    process.exit(1);
  }
  // Up means serving: the HTTP intake and the bus run. A source still connecting (a vCenter
  // that is down) shows in /readyz, but must not make systemd fail and restart the whole
  // appliance.
  void notifyServiceManager({ ready: true, status: `running: ${config.sources.length} sources, ${config.subscriptions.length} subscriptions` }, logger);
  const running = appliance;
  const issueFile = process.env[consoleIssueVariable];
  const banner: ConsoleBannerWriter | undefined = issueFile
    ? startConsoleBannerWriter({ file: issueFile, http: { host: config.http.host, port: running.http.port }, readiness: () => running.readiness(), logger })
    : undefined;
  void banner?.refresh();
  // The last line of defence for "a broken source or function never takes the appliance
  // down": a stray rejection is logged and the appliance carries on (JetStream redelivers
  // whatever was in flight); a synchronous throw leaves unknown state, so log and exit for
  // the service manager to restart us.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (a bug): carrying on'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception (a bug): exiting');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void notifyServiceManager({ stopping: true }, logger);
    // Bound the whole drain: the invocations' grace plus time to close the bus and server.
    setTimeout(() => {
      logger.error('drain did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000).unref();
    appliance.stop().then(
      async () => {
        await banner?.stop();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
