// Filters written out for people (`switchboard subscriptions list|test`): one line per
// dialect filter, `data Vm.Name prefix "prod-"`, compositions as an indented tree.

import { formatDataPath, parseDataPath } from './data-path.js';
import { showValue } from './data-values.js';
import { dataOperators, type DataMatcher, type Filter } from './types.js';

/** One line naming the filter; for all/any/not only the composition (see renderFilterTree). */
export function renderFilter(filter: Filter): string {
  if ('exact' in filter) return `exact ${attributes(filter.exact)}`;
  if ('prefix' in filter) return `prefix ${attributes(filter.prefix)}`;
  if ('suffix' in filter) return `suffix ${attributes(filter.suffix)}`;
  if ('data' in filter) return `data ${dataMatcher(filter.data)}`;
  if ('cesql' in filter) return `cesql ${JSON.stringify(filter.cesql.replace(/\s+/gu, ' ').trim())}`;
  if ('all' in filter) return `all of ${filter.all.length}`;
  if ('any' in filter) return `any of ${filter.any.length}`;
  return 'not';
}

/** The filter and what it composes, one line each, nested lines indented by two spaces. */
export function renderFilterTree(filter: Filter, indent = ''): string[] {
  if ('all' in filter || 'any' in filter) {
    const [word, children] = 'all' in filter ? ['all of:', filter.all] : ['any of:', filter.any];
    return [`${indent}${word}`, ...children.flatMap((f) => renderFilterTree(f, `${indent}  `))];
  }
  if ('not' in filter) {
    const inner = renderFilterTree(filter.not, `${indent}  `);
    return inner.length === 1 ? [`${indent}not ${inner[0]!.trimStart()}`] : [`${indent}not:`, ...inner];
  }
  return [`${indent}${renderFilter(filter)}`];
}

function attributes(expected: Readonly<Record<string, string>>): string {
  return Object.entries(expected).map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(', ');
}

function dataMatcher(matcher: DataMatcher): string {
  let path: string;
  try {
    path = formatDataPath(parseDataPath(matcher.path));
  } catch {
    path = JSON.stringify(matcher.path);
  }
  const used = dataOperators.filter((op) => matcher[op] !== undefined);
  const ops = used.map((op) => {
    if (op === 'exists') return matcher.exists ? 'exists' : 'does not exist';
    return `${op} ${showValue(matcher[op])}`;
  });
  return `${path} ${ops.join(' ') || '(no operator)'}${matcher.caseInsensitive ? ' (case-insensitive)' : ''}`;
}
