// Every default of switchboard.yaml, written as an operator would write it. The schema shows
// these to editors (`default:`) and resolution applies them: one place, so the two agree.

export const configDefaults = {
  bus: {
    url: 'embedded',
    dataDir: '/var/lib/switchboard',
    port: 4222,
    duplicateWindow: '2m',
    replicas: 1,
    ackWait: '30s',
    retention: {
      events: { maxAge: '7d', maxBytes: '1GiB', maxMessages: -1 },
      deadLetter: { maxAge: '30d', maxBytes: '256MiB', maxMessages: -1 },
      invocations: { maxAge: '7d', maxBytes: '256MiB', maxMessages: -1 },
    },
  },
  http: { listen: '0.0.0.0:8080' },
  functions: { dir: './functions', timeout: '60s', loadTimeout: '60s', memory: 256, maxWorkers: 4, maxChainDepth: 8, secretsDir: '/etc/switchboard/secrets', sandbox: 'required' as 'required' | 'best-effort', watch: true, prestartedWorkers: 1 },
  log: { level: 'info' },
  shutdownTimeout: '30s',
} as const;

export const subscriptionDefaults = {
  retry: { attempts: 3, backoff: 'exponential', delay: '1s', maxDelay: '1m' },
  deadLetter: true,
  ordered: false,
  concurrency: 16,
} as const;

/** A function may not run longer than this, whatever its manifest or subscription says. */
export const maxFunctionTimeout = '15m';

/** http.operatorToken's shortest length: the schema refuses a shorter one, and so does the OVF property that sets it. */
export const minOperatorTokenLength = 16;

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
