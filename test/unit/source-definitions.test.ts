// definitions.ts (what reading a configuration needs) and registry.ts (what running a source
// needs) list the same source types with the same schema and checks: a type added to one
// and not the other would be accepted by `validate` and fail at start, or the reverse.

import { describe, expect, it } from 'vitest';
import { sourceDefinitions } from '../../sources/definitions.js';
import { sourceTypes } from '../../sources/registry.js';
import type { SourceDefinition } from '../../sources/source.js';

describe('source definitions and the registry', () => {
  it('name the same types', () => {
    expect(Object.keys(sourceDefinitions)).toEqual(Object.keys(sourceTypes));
  });

  it('share each type\'s schema and checks', () => {
    for (const [name, type] of Object.entries(sourceTypes)) {
      const definition = (sourceDefinitions as Record<string, SourceDefinition<never>>)[name]!;
      expect(definition.schema, name).toBe(type.schema);
      expect(definition.validate, name).toBe(type.validate);
    }
  });
});
