// What every event an expression matches must carry, read off the tree: the conjuncts of its
// top-level AND chain that are `attribute = 'text'` (or `'text' = attribute`) or
// `attribute LIKE 'text%'`. The subscription index files a subscription under one of them, so
// an event meets only the expressions it could satisfy. A superset, never a verdict: a
// filter passes only on TRUE without errors, and any conjunct is then TRUE, so the event's
// attribute, read as a string (as the index reads it), equals the text or starts with it.

import type { Expression } from './ast.js';

export interface CesqlRequirements {
  /** attribute → the exact value it must have. */
  readonly exact: ReadonlyMap<string, string>;
  /** attribute → a prefix its value must start with. */
  readonly prefix: ReadonlyMap<string, string>;
}

export function requirementsOf(tree: Expression): CesqlRequirements {
  const exact = new Map<string, string>();
  const prefix = new Map<string, string>();
  const visit = (node: Expression): void => {
    if (node.type === 'binary' && node.operator === 'AND') {
      visit(node.left);
      visit(node.right);
    } else if (node.type === 'binary' && node.operator === '=') {
      const [attribute, literal] = node.left.type === 'attribute' ? [node.left, node.right] : [node.right, node.left];
      if (attribute.type === 'attribute' && literal.type === 'literal' && typeof literal.value === 'string' && !exact.has(attribute.name)) {
        exact.set(attribute.name, literal.value);
      }
    } else if (node.type === 'like' && !node.negated && node.operand.type === 'attribute') {
      const text = likePrefix(node.pattern);
      if (text !== undefined && text !== '' && !prefix.has(node.operand.name)) prefix.set(node.operand.name, text);
    }
  };
  visit(tree);
  return { exact, prefix };
}

/** `com.vmware.%` → `com.vmware.`; undefined unless the pattern is literal text then one final `%`. */
function likePrefix(pattern: string): string | undefined {
  let text = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      text += pattern[i + 1];
      i += 1;
    } else if (c === '%') {
      return i === pattern.length - 1 ? text : undefined;
    } else if (c === '_') {
      return undefined;
    } else {
      text += c;
    }
  }
  return undefined; // no % at all: that is equality, not a prefix (left to the predicate)
}
