// The whole environment of an executable invocation. Pure. Nothing of the appliance's own
// environment: a sane PATH and LANG, HOME and TMPDIR pointing at its private tmp, the manifest's
// `env:` and secrets, then the event's attributes as CE_* and the invocation as
// SWITCHBOARD_* (these last two are the contract and win over the manifest).

import { dataMemberNames } from '../../../src/events/cloudevent.js';
import type { CloudEventRecord } from '../../../src/events/cloudevent.js';

/** Debian's default for users: the system's programs, nothing of the appliance's PATH. */
export const defaultPath = '/usr/local/bin:/usr/bin:/bin';

export interface SecretValue {
  /** CHAT_URL for `chat-url`. */
  readonly envName: string;
  /** The file's text, one trailing newline dropped (editors add one). */
  readonly value: string;
  /** Where the function reads it, as seen from inside its sandbox. */
  readonly file: string;
}

export interface ExecutableEnvInput {
  readonly manifestEnv: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretValue[];
  readonly event: CloudEventRecord;
  readonly functionName: string;
  readonly invocationId: string;
  readonly attempt: number;
  /** Milliseconds since the epoch after which the process is killed (as JS functions' context.deadline). */
  readonly deadline: number;
  /** The private tmp as the function sees it: HOME and TMPDIR. */
  readonly tmpDir: string;
}

/** An env value cannot hold a NUL; the rest of the text is kept. */
function clean(value: string): string {
  return value.replaceAll('\0', '');
}

function attributeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/**
 * The event's context attributes as CE_<NAME> (upper case): CE_ID, CE_TYPE, CE_SOURCE,
 * CE_SPECVERSION, CE_SUBJECT, CE_TIME, CE_DATACONTENTTYPE, and each extension
 * (CE_SWITCHBOARDDEPTH…). The data itself is on stdin only.
 */
export function eventEnv(event: CloudEventRecord): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (dataMemberNames.has(name) || value === undefined || value === null) continue;
    env[`CE_${name.toUpperCase()}`] = clean(attributeValue(value));
  }
  return env;
}

export function buildExecutableEnv(input: ExecutableEnvInput): Record<string, string> {
  // LANG: text is UTF-8 (C.UTF-8 is built into glibc), as Python would otherwise decide for itself.
  const env: Record<string, string> = { PATH: defaultPath, LANG: 'C.UTF-8', HOME: input.tmpDir, TMPDIR: input.tmpDir };
  for (const [name, value] of Object.entries(input.manifestEnv)) env[name] = clean(value);
  for (const secret of input.secrets) {
    env[secret.envName] = clean(secret.value);
    env[`${secret.envName}_FILE`] = secret.file;
  }
  return {
    ...env,
    ...eventEnv(input.event),
    SWITCHBOARD_FUNCTION: input.functionName,
    SWITCHBOARD_INVOCATION_ID: input.invocationId,
    SWITCHBOARD_ATTEMPT: String(input.attempt),
    SWITCHBOARD_DEADLINE: String(input.deadline),
  };
}
