// Things an operator most likely did not mean, found at compile time. None stops the expression
// from loading (the spec makes them evaluation errors, or legal); the config loader can show them.

import { children, type Expression } from './ast.js';
import { PAYLOAD } from './attributes.js';
import type { CesqlWarning, SourceText } from './errors.js';
import { resolveFunction } from './functions.js';
import type { StaticType } from './types.js';

/** Spec §2.2: a value identifier SHOULD NOT be longer than 20 characters. */
const IDENTIFIER_LENGTH = 20;
const LOGIC = new Set(['AND', 'OR', 'XOR']);
const COMPARISON = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);

export function findWarnings(root: Expression, rootType: StaticType, source: SourceText): CesqlWarning[] {
  const warnings: CesqlWarning[] = [];
  const warn = (position: number, message: string): void => {
    warnings.push({ ...source.locate(position), message: `${message} (${source.describe(position)})` });
  };
  if (rootType !== 'Boolean' && rootType !== 'Unknown') {
    const example = rootType === 'Integer' ? '... > 0' : "... = 'value'";
    warn(startOf(root), `the expression yields ${article(rootType)}, so as a filter it never matches; compare it, e.g. ${example}`);
  }
  const stack: Expression[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    check(node, warn);
    stack.push(...children(node));
  }
  return warnings.sort((a, b) => a.position - b.position);
}

function check(node: Expression, warn: (position: number, message: string) => void): void {
  switch (node.type) {
    case 'attribute':
    case 'exists':
      if (node.name === PAYLOAD) {
        warn(node.position, `'${node.name}' is the payload, which CESQL cannot read: it is always missing; use a data: filter`);
      } else if (node.name.length > IDENTIFIER_LENGTH) {
        warn(node.position, `attribute name '${node.name}' is longer than the ${IDENTIFIER_LENGTH} characters CloudEvents recommends`);
      }
      return;
    case 'call': {
      const definition = resolveFunction(node.name, node.args.length);
      if (typeof definition === 'string') warn(node.position, `${definition}: evaluating this call always fails`);
      return;
    }
    case 'binary': {
      const left = node.left;
      if (LOGIC.has(node.operator) && left.type === 'binary' && LOGIC.has(left.operator) && !left.parenthesized && left.operator !== node.operator) {
        warn(node.position, `${left.operator} and ${node.operator} have the same precedence in CESQL and group left to right, so this reads as (… ${left.operator} …) ${node.operator} …; add parentheses to say which you mean`);
      }
      if (COMPARISON.has(node.operator)) notAppliedFirst(left, node.operator, `NOT (a ${node.operator} b)`, warn);
      return;
    }
    case 'like':
      notAppliedFirst(node.operand, 'LIKE', 'x NOT LIKE pattern', warn);
      return;
    case 'in':
      notAppliedFirst(node.operand, 'IN', 'x NOT IN (...)', warn);
      return;
    default:
  }
}

// NOT binds tighter than comparisons, LIKE and IN (§3.6): `NOT a = b` is `(NOT a) = b`.
function notAppliedFirst(operand: Expression, operator: string, instead: string, warn: (position: number, message: string) => void): void {
  if (operand.type === 'unary' && operand.operator === 'NOT' && !operand.parenthesized) {
    warn(operand.position, `NOT binds tighter than ${operator}, so it applies to the left operand alone; write ${instead} to negate the whole condition`);
  }
}

/** Offset of the leftmost token of an expression (binary nodes sit at their operator). */
function startOf(node: Expression): number {
  let leftmost = node;
  for (;;) {
    if (leftmost.type === 'binary') leftmost = leftmost.left;
    else if (leftmost.type === 'like' || leftmost.type === 'in') leftmost = leftmost.operand;
    else return leftmost.position;
  }
}

function article(type: StaticType): string {
  return type === 'Integer' ? 'an Integer' : `a ${type}`;
}
