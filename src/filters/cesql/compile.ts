// Turns the syntax tree into a tree of closures, once: evaluating an event then runs only the
// closures, with each operator's dispatch, casts of literals and LIKE patterns settled here.

import type { Expression } from './ast.js';
import { compileAttribute, compileExists } from './attributes.js';
import { compileCall } from './calls.js';
import type { SourceText } from './errors.js';
import { constant, type Compiled, type Evaluation } from './evaluation.js';
import { compileIn } from './in.js';
import { compileLike } from './like.js';
import { compileBinary, compileNegate, compileNot } from './operators.js';
import { typeOf } from './types.js';

export function compileExpression(node: Expression, ev: Evaluation, source: SourceText): Compiled {
  const where = (what: string): string => `${what} at ${source.describe(node.position)}`;
  const compile = (child: Expression): Compiled => compileExpression(child, ev, source);
  switch (node.type) {
    case 'literal':
      return constant(node.value, typeOf(node.value));
    case 'attribute':
      return compileAttribute(node.name, ev, where(`'${node.name}'`));
    case 'exists':
      return compileExists(node.name);
    case 'unary':
      return node.operator === 'NOT'
        ? compileNot(compile(node.operand), ev, where('NOT'))
        : compileNegate(compile(node.operand), ev, where("unary '-'"));
    case 'binary':
      return compileBinary(node.operator, compile(node.left), compile(node.right), ev, where(`'${node.operator}'`));
    case 'like':
      return compileLike(compile(node.operand), node.pattern, node.negated, ev);
    case 'in':
      return compileIn(compile(node.operand), node.set.map(compile), node.negated, ev, where(node.negated ? 'NOT IN' : 'IN'));
    case 'call':
      return compileCall(node.name, node.args.map(compile), ev, where(node.name));
  }
}
