// The schema pieces shared by switchboard.yaml, subscriptions/*.yaml and function manifests:
// durations, sizes, names, filters and the subscription shape. Each file's schema carries
// these as `$defs`, so a `$ref: '#/$defs/duration'` means the same thing everywhere.

import { dataOperators, filterKeys } from '../filters/types.js';
import { subscriptionDefaults } from './defaults.js';
import { durationSchema, sizePattern, sizeSchema } from './units.js';

export type JsonSchema = Record<string, unknown>;

export { filterKeys };

const ref = (name: string, description?: string): JsonSchema =>
  description ? { $ref: `#/$defs/${name}`, description } : { $ref: `#/$defs/${name}` };

const attributeFilter = (description: string): JsonSchema => ({ ...ref('attributes'), description });
const filterList = (description: string): JsonSchema => ({
  type: 'array', minItems: 1, items: ref('filter'), description,
});

/** `path` and exactly one operator (oneOf: each operator's own branch). */
function dataMatcherSchema(): JsonSchema {
  const string = (description: string): JsonSchema => ({ type: 'string', description });
  const operators: Record<(typeof dataOperators)[number], JsonSchema> = {
    equals: ref('dataScalar', 'The value equals this (strings, numbers, booleans, null; types are never converted).'),
    notEquals: ref('dataScalar', 'The value exists and does not equal this.'),
    prefix: string('The value is a string starting with this.'),
    suffix: string('The value is a string ending with this.'),
    contains: ref('dataScalar', 'The value is a string containing this string, or an array with an item equal to this.'),
    regex: string('The value is a string this RE2 regular expression finds a match in (unanchored: use ^...$ for the whole value). No lookaround or backreferences.'),
    wildcard: string('The whole string value matches this pattern: * any characters, ? one character, \\* and \\? themselves.'),
    exists: { type: 'boolean', description: 'true: the path exists (its value may be null); false: it does not.' },
    in: { type: 'array', minItems: 1, items: ref('dataScalar'), description: 'The value equals one of these.' },
    gt: ref('dataBound', 'Greater than (a number) or after (an RFC 3339 time).'),
    gte: ref('dataBound', 'At least (a number) or at or after (an RFC 3339 time).'),
    lt: ref('dataBound', 'Less than (a number) or before (an RFC 3339 time).'),
    lte: ref('dataBound', 'At most (a number) or at or before (an RFC 3339 time).'),
  };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    description: `A path in data and exactly one operator: ${dataOperators.join(', ')}; caseInsensitive: true for the string comparisons.`,
    properties: {
      path: ref('dataPath'),
      ...operators,
      caseInsensitive: { type: 'boolean', default: false, description: 'Compare strings ignoring case (equals, notEquals, prefix, suffix, contains, regex, wildcard, in).' },
    },
    // Each branch names its property again: ajv's strict mode wants a required key defined beside it.
    oneOf: dataOperators.map((op) => ({ properties: { [op]: true }, required: [op] })),
  };
}

function subscriptionSchema(withFunction: boolean): JsonSchema {
  const d = subscriptionDefaults;
  return {
    type: 'object',
    additionalProperties: false,
    required: withFunction ? ['name', 'function'] : ['name'],
    properties: {
      name: ref('subscriptionName'),
      ...(withFunction ? { function: ref('functionName', 'The function this subscription invokes.') } : {}),
      filters: {
        ...ref('filters'),
        description: 'Filters an event must all pass: attribute dialects (exact, prefix, suffix), payload dialects (data, cesql), composed with all, any, not. Empty or absent matches every event.',
      },
      retry: ref('retry'),
      timeout: ref('duration', "How long one invocation may run; overrides the function's own timeout. At most 15m."),
      deadLetter: {
        type: 'boolean', default: d.deadLetter,
        description: 'Store an event in the dead-letter stream after its last failed attempt.',
      },
      ordered: {
        type: 'boolean', default: d.ordered,
        description: 'Deliver one event at a time, in stream order (a failing event holds back the rest).',
      },
      concurrency: {
        type: 'integer', minimum: 1, maximum: 1024, default: d.concurrency,
        description: 'Events of this subscription in flight at once when not ordered.',
      },
    },
  };
}

export const sharedDefs: Record<string, JsonSchema> = {
  duration: durationSchema,
  size: sizeSchema,
  sizeOrUnlimited: {
    oneOf: [{ type: 'integer', minimum: -1 }, { type: 'string', pattern: sizePattern }],
    description: 'A size in bytes or with a unit (512KiB, 1MiB, 10GB); -1 means unlimited.',
  },
  sourceName: {
    type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
    description: 'Names the source in event subjects and metrics: lower-case letters, digits, - and _.',
  },
  subscriptionName: {
    type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$',
    description: 'Names the subscription (and its durable consumer); unique across all files.',
  },
  functionName: {
    type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$',
    description: 'A function in the functions folder: <name>.js, <name>.mjs or <name>/index.js.',
  },
  envName: {
    type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    description: 'An environment variable name.',
  },
  attributeName: {
    type: 'string', pattern: '^[a-z0-9]{1,20}$',
    description: 'A CloudEvent attribute name: type, source, subject, or an extension.',
  },
  attributes: {
    type: 'object',
    minProperties: 1,
    propertyNames: ref('attributeName'),
    additionalProperties: { type: 'string' },
    description: 'CloudEvent attribute names and the strings to compare them with.',
  },
  filter: {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    description: `One filter: exactly one of ${filterKeys.join(', ')}.`,
    properties: {
      exact: attributeFilter('Every listed attribute equals its value.'),
      prefix: attributeFilter('Every listed attribute starts with its value.'),
      suffix: attributeFilter('Every listed attribute ends with its value.'),
      data: ref('dataMatcher', 'A test on the payload: the value at `path` in `data` passes one operator, e.g. { path: Vm.Name, prefix: "prod-" }.'),
      cesql: {
        type: 'string', minLength: 1,
        description: "A CloudEvents SQL (CESQL v1) expression; the event matches when it evaluates to TRUE, e.g. \"type LIKE 'com.vmware.%' AND data.To = 'red'\". An evaluation error does not match (and is counted and logged).",
      },
      all: filterList('Every filter in the list matches.'),
      any: filterList('At least one filter in the list matches.'),
      not: ref('filter', 'The filter does not match.'),
    },
  },
  filters: { type: 'array', items: ref('filter') },
  dataMatcher: dataMatcherSchema(),
  dataPath: {
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', minItems: 1, items: { type: ['string', 'integer'], minimum: 0 } },
    ],
    description: 'Where in data: dotted keys, a number indexing an array (Vm.Name, Arguments.0.Value), or a list of keys for keys holding dots (["com.vmware.key", "Value"]).',
  },
  dataScalar: { type: ['string', 'number', 'boolean', 'null'], description: 'A JSON value, compared with its type: 5 is not "5".' },
  dataBound: {
    type: ['number', 'string'],
    description: 'A number, or an RFC 3339 time (2024-05-01T00:00:00Z) compared as an instant with times in the payload.',
  },
  retry: {
    type: 'object',
    additionalProperties: false,
    description: 'What happens when an invocation fails: it is retried after a growing delay.',
    properties: {
      attempts: {
        type: 'integer', minimum: 1, maximum: 100, default: subscriptionDefaults.retry.attempts,
        description: 'Attempts in all, the first delivery included.',
      },
      backoff: {
        enum: ['exponential', 'linear'], default: subscriptionDefaults.retry.backoff,
        description: 'exponential: delay, 2×delay, 4×delay…; linear: delay, 2×delay, 3×delay…; capped at maxDelay.',
      },
      delay: { ...ref('duration'), default: subscriptionDefaults.retry.delay, description: 'Delay before the first retry.' },
      maxDelay: { ...ref('duration'), default: subscriptionDefaults.retry.maxDelay, description: 'Longest delay between attempts.' },
    },
  },
  subscription: {
    ...subscriptionSchema(true),
    description: 'Invokes a function for every event that passes the filters.',
  },
  trigger: {
    ...subscriptionSchema(false),
    description: 'A subscription declared by the function itself (no `function` key: it is this one).',
  },
};
