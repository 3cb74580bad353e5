// The Knative Eventing attribute dialects: exact, prefix and suffix on context attributes and
// extensions. Every attribute named must be present and pass; an absent attribute fails.
// Values compare as strings (an extension's 5 or true as "5" or "true"), as Knative does.

import type { CloudEventRecord } from '../events/cloudevent.js';
import type { CompiledLeaf, IndexField } from './compiled.js';
import { showValue } from './data-values.js';

export type AttributeDialect = 'exact' | 'prefix' | 'suffix';

/** Value of a context attribute or extension as a string; undefined when absent. */
export function attributeValue(event: CloudEventRecord, name: string): string | undefined {
  if (name === 'data' || name === 'data_base64') return undefined;
  const value = event[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

const fields = new Map<string, IndexField>();

/** The index's view of an attribute (shared by every filter that names it). */
export function attributeField(name: string): IndexField {
  let field = fields.get(name);
  if (!field) fields.set(name, (field = { key: name, read: (event) => attributeValue(event, name) }));
  return field;
}

const tests: Record<AttributeDialect, (value: string, expected: string) => boolean> = {
  exact: (value, expected) => value === expected,
  prefix: (value, expected) => value.startsWith(expected),
  suffix: (value, expected) => value.endsWith(expected),
};

const failures: Record<AttributeDialect, string> = {
  exact: 'is not',
  prefix: 'does not start with',
  suffix: 'does not end with',
};

export function compileAttributes(dialect: AttributeDialect, expected: Readonly<Record<string, string>>): CompiledLeaf {
  const test = tests[dialect];
  const pairs = Object.entries(expected);
  const matches = (event: CloudEventRecord): boolean => {
    for (const [name, want] of pairs) {
      const value = attributeValue(event, name);
      if (value === undefined || !test(value, want)) return false;
    }
    return true;
  };
  return {
    matches,
    requires: pairs.map(([name, value]) => ({ field: attributeField(name), kind: dialect, values: [value] })),
    reason(event, matched) {
      if (matched) return { text: pairs.map(([name]) => `${name} is ${showValue(attributeValue(event, name))}`).join(', ') };
      for (const [name, want] of pairs) {
        const value = attributeValue(event, name);
        if (value === undefined) return { text: `the event has no ${name} attribute` };
        if (!test(value, want)) return { text: `${name} ${showValue(value)} ${failures[dialect]} ${showValue(want)}` };
      }
      return { text: 'no match' };
    },
  };
}
