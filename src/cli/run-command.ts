import { ConfigError, isSwitchboardError, type ErrorCode } from '../errors.js';

/** Exit status per error: 1 for something the operator wrote, 2 for nothing answering. */
const exitCodes: Partial<Record<ErrorCode, number>> = {
  SB_APPLIANCE_NOT_RUNNING: 2,
  SB_BUS_UNAVAILABLE: 2,
};

/** Run a command; print an error as `CODE: message` on stderr and set the exit status. */
export async function runCommand(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    reportError(err);
    process.exitCode = isSwitchboardError(err) ? (exitCodes[err.code] ?? 1) : 1;
  }
}

export function reportError(err: unknown): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.code}: ${err.problems.length} problem(s):\n${err.message}\n`);
  } else if (isSwitchboardError(err)) {
    process.stderr.write(`${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
