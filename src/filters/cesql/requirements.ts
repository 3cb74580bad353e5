// What every event an expression matches must carry, read off the tree: the conjuncts of its
// top-level AND chain that are `attribute = 'text'` (or `'text' = attribute`),
// `attribute IN ('a', 'b')`, `attribute LIKE 'text%'` or `attribute LIKE '%text'`. The
// subscription index files a subscription under one of them, so an event meets only the
// expressions it could satisfy. A superset, never a verdict: a filter passes only on TRUE
// without errors, and any conjunct is then TRUE, so the event's attribute, read as a string
// (as the index reads it), equals one of the texts, or starts or ends with the text.

import type { Expression } from './ast.js';

export interface CesqlRequirement {
  readonly attribute: string;
  readonly kind: 'exact' | 'prefix' | 'suffix';
  readonly values: readonly string[];
}

export function requirementsOf(tree: Expression): CesqlRequirement[] {
  const found: CesqlRequirement[] = [];
  const visit = (node: Expression): void => {
    if (node.type === 'binary' && node.operator === 'AND') {
      visit(node.left);
      visit(node.right);
    } else if (node.type === 'binary' && node.operator === '=') {
      const [attribute, literal] = node.left.type === 'attribute' ? [node.left, node.right] : [node.right, node.left];
      if (attribute.type === 'attribute' && literal.type === 'literal' && typeof literal.value === 'string') {
        found.push({ attribute: attribute.name, kind: 'exact', values: [literal.value] });
      }
    } else if (node.type === 'in' && !node.negated && node.operand.type === 'attribute') {
      const values = node.set.map((item) => (item.type === 'literal' && typeof item.value === 'string' ? item.value : undefined));
      if (values.length > 0 && values.every((v) => v !== undefined)) found.push({ attribute: node.operand.name, kind: 'exact', values: values as string[] });
    } else if (node.type === 'like' && !node.negated && node.operand.type === 'attribute') {
      const affix = likeAffix(node.pattern);
      if (affix) found.push({ attribute: node.operand.name, ...affix });
    }
  };
  visit(tree);
  return found;
}

/** `com.vmware.%` → prefix `com.vmware.`; `%.v0` → suffix `.v0`; text without % or _ → exact. */
function likeAffix(pattern: string): { kind: CesqlRequirement['kind']; values: string[] } | undefined {
  const pieces: Array<string | '%' | '_'> = [];
  let text = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      text += pattern[i + 1];
      i += 1;
    } else if (c === '%' || c === '_') {
      if (text) pieces.push(text);
      text = '';
      pieces.push(c);
    } else {
      text += c;
    }
  }
  if (text) pieces.push(text);
  const literal = (p: string | undefined): p is string => p !== undefined && p !== '%' && p !== '_';
  if (pieces.length === 1 && literal(pieces[0])) return { kind: 'exact', values: [pieces[0]] };
  if (pieces.length === 2 && literal(pieces[0]) && pieces[1] === '%') return { kind: 'prefix', values: [pieces[0]] };
  if (pieces.length === 2 && pieces[0] === '%' && literal(pieces[1])) return { kind: 'suffix', values: [pieces[1]] };
  return undefined;
}
