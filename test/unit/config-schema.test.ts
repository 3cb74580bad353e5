import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { sourceTypes } from '../../sources/registry.js';
import type { SourceType } from '../../sources/source.js';
import { configDefaults } from '../../src/config/defaults.js';
import { buildConfigSchema, renderConfigSchema } from '../../src/config/schema.js';
import { renderManifestSchema } from '../../src/runtime/function-manifest.js';

const strictAjv = () => new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

describe('the published JSON Schema', () => {
  test('schema/switchboard.schema.json is up to date (else: npm run build && npm run schema)', () => {
    expect(readFileSync('schema/switchboard.schema.json', 'utf8')).toBe(renderConfigSchema());
    expect(readFileSync('schema/function.schema.json', 'utf8')).toBe(renderManifestSchema());
  });

  test('the function manifest schema compiles under ajv strict mode', () => {
    expect(() => strictAjv().compile(JSON.parse(renderManifestSchema()))).not.toThrow();
  });

  test('is draft-07 with an $id and compiles under ajv strict mode', () => {
    const schema = buildConfigSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toEqual(expect.any(String));
    expect(() => strictAjv().compile(schema)).not.toThrow();
  });

  test('every source type in the registry is offered, each checked by its own fragment', () => {
    const items = (buildConfigSchema().properties as any).sources.items;
    expect(items.properties.type.enum).toEqual(Object.keys(sourceTypes));
    for (const [name, type] of Object.entries(sourceTypes)) {
      expect(items.allOf).toContainEqual({ if: { properties: { type: { const: name } }, required: ['type'] }, then: type.schema });
    }
  });

  test('a new source type needs no edit in src/config: its fragment comes from the registry', () => {
    const mqtt: SourceType<never> = {
      schema: {
        type: 'object', additionalProperties: false, required: ['name', 'type', 'broker'],
        properties: { name: { $ref: '#/$defs/sourceName' }, type: { const: 'mqtt' }, broker: { type: 'string' }, keepAlive: { $ref: '#/$defs/duration' } },
      },
      create: () => { throw new Error('not used'); },
    };
    const validate = strictAjv().compile(buildConfigSchema({ ...sourceTypes, mqtt }));
    expect(validate({ apiVersion: 'switchboard/v1', sources: [{ name: 'm', type: 'mqtt', broker: 'mqtt://b', keepAlive: '30s' }] })).toBe(true);
    expect(validate({ apiVersion: 'switchboard/v1', sources: [{ name: 'm', type: 'mqtt', broker: 'mqtt://b', path: '/x' }] })).toBe(false);
    expect(validate({ apiVersion: 'switchboard/v1', sources: [{ name: 'w', type: 'webhook', path: '/w' }] })).toBe(true);
  });

  test('the defaults it shows editors are values it accepts', () => {
    const validate = strictAjv().compile(buildConfigSchema());
    const d = configDefaults;
    const written = {
      apiVersion: 'switchboard/v1',
      bus: { ...d.bus, retention: { events: d.bus.retention.events, deadLetter: d.bus.retention.deadLetter, invocations: d.bus.retention.invocations } },
      http: d.http, functions: d.functions, log: d.log, shutdownTimeout: d.shutdownTimeout,
    };
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
  });
});
