// The `cesql:` dialect: a CloudEvents SQL expression (CESQL v1, engine in ./cesql/),
// compiled once when the configuration is loaded. An evaluation error never stops the
// router: the engine yields the spec's result (the filter then does not match, per its
// `matches`) and the error goes to the sink, which counts and logs it.

import { InvalidFilterError } from '../errors.js';
import { CesqlParseError, compileCesql, type CompiledCesql } from './cesql/index.js';
import type { CompiledLeaf } from './compiled.js';
import { attributeField } from './attributes.js';

export function compileCesqlFilter(expression: string): CompiledLeaf {
  let compiled: CompiledCesql;
  try {
    compiled = compileCesql(expression);
  } catch (err) {
    if (!(err instanceof CesqlParseError)) throw err;
    throw new InvalidFilterError(`CESQL expression does not parse: ${err.message}`, { key: 'cesql', position: err.position }, { cause: err });
  }
  return {
    requires: compiled.requirements.map((r) => ({ field: attributeField(r.attribute), kind: r.kind, values: r.values })),
    warnings: compiled.warnings.map((w) => w.message),
    matches(event, onError) {
      const { matched, errors } = compiled.matches(event);
      if (onError) for (const error of errors) onError({ kind: error.kind, message: error.message, expression }, event);
      return matched;
    },
    reason(event) {
      const { value } = compiled.evaluate(event);
      // The filter's errors: the evaluation's, and a non-Boolean result's (spec §1.2).
      const errors = compiled.matches(event).errors.map((e) => ({ kind: e.kind, message: e.message }));
      const failures = errors.length > 0 ? `; ${errors.length === 1 ? 'error' : 'errors'}: ${errors.map((e) => `${e.kind}: ${e.message}`).join('; ')}` : '';
      return { text: `evaluated to ${showCesqlValue(value)}${failures}`, details: { value, errors } };
    },
  };
}

/** A result as CESQL writes it: TRUE, 42, 'text'. */
function showCesqlValue(value: boolean | number | string): string {
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return String(value);
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `'${shown.replace(/'/gu, "''")}'`;
}
