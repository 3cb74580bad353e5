import pino, { type Logger } from 'pino';

/** JSON lines on stdout; every line about an event carries eventId, subscription and function. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
