// Each source type's own checks beyond its schema (a cron expression, a time zone, a CA
// file), run once the whole file passed the schema, so a type sees only entries shaped as
// its fragment promises. A problem is reported at the line of the key it names, like any
// schema problem; nothing here knows a source type by name.

import { sourceDefinitions } from '../../sources/definitions.js';
import type { SourceDefinition } from '../../sources/source.js';
import type { CodedProblem } from './problems.js';
import type { SourceConfig } from './types.js';
import { problemAt, type YamlFile } from './yaml-file.js';

export function checkSourceConfigs(
  yaml: YamlFile,
  sources: readonly SourceConfig[],
  types: Record<string, SourceDefinition<never>> = sourceDefinitions,
): CodedProblem[] {
  const problems: CodedProblem[] = [];
  sources.forEach((source, i) => {
    const validate = (types[source.type] as SourceDefinition<unknown> | undefined)?.validate;
    if (!validate) return;
    for (const problem of validate(source)) {
      problems.push(problemAt(yaml, ['sources', i, ...problem.path], problem.message, 'SB_CONFIG_INVALID'));
    }
  });
  return problems;
}
