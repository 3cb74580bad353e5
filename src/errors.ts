// The one catalogue of error codes. Every code here is documented in docs/errors.md
// (a unit test checks both directions). A retired code is never reused.

export const errorCodes = {
  SB_CONFIG_NOT_FOUND: 'No configuration file was found at any of the places searched.',
  SB_CONFIG_PARSE: 'A YAML file is not well-formed.',
  SB_CONFIG_INVALID: 'A configuration value does not match the schema.',
  SB_CONFIG_REFERENCE: 'A ${env:NAME} or ${file:/path} reference cannot be resolved.',
  SB_FUNCTION_MANIFEST_INVALID: "A function's manifest (sidecar .yaml or function.yaml) is invalid.",
  SB_FUNCTION_NOT_FOUND: 'A subscription names a function that is not in the functions folder.',
  SB_FILTER_INVALID: 'A filter cannot be compiled: a regex or wildcard RE2 refuses, a CESQL expression that does not parse, an operator that does not apply to its value.',
  SB_FUNCTION_LOAD_FAILED: "A function's module could not be loaded (syntax error, missing default export).",
  SB_FUNCTION_FAILED: 'A function threw or rejected.',
  SB_FUNCTION_TIMEOUT: 'A function ran past its timeout and its worker was killed.',
  SB_FUNCTION_CRASHED: "A function's worker process exited during an invocation (crash, out of memory).",
  SB_BUS_SERVER_MISSING: 'bus.url is "embedded" but nats-server is not on PATH.',
  SB_BUS_SERVER_FAILED: 'The embedded nats-server exited or did not become ready.',
  SB_BUS_UNAVAILABLE: 'The NATS bus cannot be reached or did not acknowledge a publish.',
  SB_BUS_STORAGE_INSUFFICIENT: "JetStream cannot reserve a stream's maxBytes on its store's disk.",
  SB_EVENT_INVALID: 'An incoming event is not a valid CloudEvent.',
  SB_EVENT_MALFORMED: 'An incoming request body cannot be parsed.',
  SB_EVENT_TOO_LARGE: 'An incoming request body is larger than the source allows.',
  SB_EVENT_UNAUTHORIZED: "An incoming request's credentials or signature were missing or wrong.",
  SB_EVENT_RATE_LIMITED: 'A source received more requests than its rate limit allows.',
  SB_CHAIN_TOO_DEEP: 'A function returned an event deeper in a chain of functions than functions.maxChainDepth allows.',
  SB_APPLIANCE_NOT_RUNNING: 'A command needs a running appliance and none answers.',
  SB_DLQ_ENTRY_NOT_FOUND: 'No dead-lettered event has the given id.',
  SB_INVOCATION_NOT_FOUND: 'No invocation record has the given id.',
  SB_OVF_ENVIRONMENT_INVALID: 'The OVF environment document cannot be read or is not a well-formed OVF environment.',
  SB_OVF_APPLY_FAILED: 'Applying the OVF properties could not write or remove one of its files.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export abstract class SwitchboardError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigNotFoundError extends SwitchboardError {
  readonly code = 'SB_CONFIG_NOT_FOUND';
}

/** One problem at a place in a YAML file; `ConfigError` carries one or more. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Key path as an operator writes it: `sources[2].auth.secret`. */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

export class ConfigError extends SwitchboardError {
  readonly code:
    | 'SB_CONFIG_INVALID'
    | 'SB_CONFIG_PARSE'
    | 'SB_CONFIG_REFERENCE'
    | 'SB_FUNCTION_MANIFEST_INVALID'
    | 'SB_FUNCTION_NOT_FOUND'
    | 'SB_FUNCTION_LOAD_FAILED'
    | 'SB_FILTER_INVALID';
  readonly problems: readonly ConfigProblem[];
  constructor(
    problems: ConfigProblem[],
    code: ConfigError['code'] = 'SB_CONFIG_INVALID',
    options?: { cause?: unknown },
  ) {
    super(problems.map(formatProblem).join('\n'), options);
    this.code = code;
    this.problems = problems;
  }
}

/**
 * A filter that cannot be compiled. `key` names the part of the filter at fault (`regex`,
 * `cesql`, `gt`…) and `position` the 0-based offset in its text, when there is one; the
 * config loader turns both into a file, line and column.
 */
export class InvalidFilterError extends SwitchboardError {
  readonly code = 'SB_FILTER_INVALID';
  readonly key: string | undefined;
  readonly position: number | undefined;
  constructor(message: string, where: { key?: string; position?: number } = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.key = where.key;
    this.position = where.position;
  }
}

export class FunctionLoadError extends SwitchboardError {
  readonly code = 'SB_FUNCTION_LOAD_FAILED';
}
export class FunctionFailedError extends SwitchboardError {
  readonly code = 'SB_FUNCTION_FAILED';
}
export class FunctionTimeoutError extends SwitchboardError {
  readonly code = 'SB_FUNCTION_TIMEOUT';
}
export class FunctionCrashedError extends SwitchboardError {
  readonly code = 'SB_FUNCTION_CRASHED';
}
export class BusServerMissingError extends SwitchboardError {
  readonly code = 'SB_BUS_SERVER_MISSING';
}
export class BusServerFailedError extends SwitchboardError {
  readonly code = 'SB_BUS_SERVER_FAILED';
}
export class BusUnavailableError extends SwitchboardError {
  readonly code = 'SB_BUS_UNAVAILABLE';
}
/** nats-server refused a stream: its maxBytes is more than JetStream may reserve on the store's disk. */
export class BusStorageInsufficientError extends SwitchboardError {
  readonly code = 'SB_BUS_STORAGE_INSUFFICIENT';
}
export class InvalidEventError extends SwitchboardError {
  readonly code = 'SB_EVENT_INVALID';
}
export class MalformedEventError extends SwitchboardError {
  readonly code = 'SB_EVENT_MALFORMED';
}
export class EventTooLargeError extends SwitchboardError {
  readonly code = 'SB_EVENT_TOO_LARGE';
}
export class UnauthorizedEventError extends SwitchboardError {
  readonly code = 'SB_EVENT_UNAUTHORIZED';
}
export class RateLimitedError extends SwitchboardError {
  readonly code = 'SB_EVENT_RATE_LIMITED';
}
export class ApplianceNotRunningError extends SwitchboardError {
  readonly code = 'SB_APPLIANCE_NOT_RUNNING';
}
export class DeadLetterNotFoundError extends SwitchboardError {
  readonly code = 'SB_DLQ_ENTRY_NOT_FOUND';
}
export class InvocationNotFoundError extends SwitchboardError {
  readonly code = 'SB_INVOCATION_NOT_FOUND';
}

/** `switchboard ovf apply`: the environment document (ovf-env.xml) is unreadable or malformed. */
export class OvfEnvironmentError extends SwitchboardError {
  readonly code = 'SB_OVF_ENVIRONMENT_INVALID';
}
/** `switchboard ovf apply`: a file it manages could not be written or removed. */
export class OvfApplyError extends SwitchboardError {
  readonly code = 'SB_OVF_APPLY_FAILED';
}

export function isSwitchboardError(e: unknown): e is SwitchboardError {
  return e instanceof SwitchboardError;
}
