// The syntax tree the parser builds and the compiler turns into closures once. Every node
// keeps the offset of the token that names it, for messages.

import type { CesqlValue } from './types.js';

export type BinaryOperator =
  | '*' | '/' | '%' | '+' | '-'
  | '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR' | 'XOR';

interface Base {
  /** Offset of the operator, name or literal. */
  readonly position: number;
  /** Written inside its own parentheses: `(a OR b)`. */
  parenthesized?: boolean;
}

export interface Literal extends Base {
  readonly type: 'literal';
  readonly value: CesqlValue;
}

export interface Attribute extends Base {
  readonly type: 'attribute';
  /** Lower-cased: identifiers are case-insensitive and attribute names lower-case. */
  readonly name: string;
}

export interface Unary extends Base {
  readonly type: 'unary';
  readonly operator: 'NOT' | '-';
  readonly operand: Expression;
}

export interface Binary extends Base {
  readonly type: 'binary';
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
}

export interface Like extends Base {
  readonly type: 'like';
  readonly negated: boolean;
  readonly operand: Expression;
  readonly pattern: string;
}

export interface Exists extends Base {
  readonly type: 'exists';
  readonly name: string;
}

export interface In extends Base {
  readonly type: 'in';
  readonly negated: boolean;
  readonly operand: Expression;
  readonly set: readonly Expression[];
}

export interface Call extends Base {
  readonly type: 'call';
  /** Upper-cased: function names are case-insensitive. */
  readonly name: string;
  readonly args: readonly Expression[];
}

export type Expression = Literal | Attribute | Unary | Binary | Like | Exists | In | Call;

/** The operands of a node, left to right. */
export function children(node: Expression): readonly Expression[] {
  switch (node.type) {
    case 'unary':
    case 'like':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'in':
      return [node.operand, ...node.set];
    case 'call':
      return node.args;
    default:
      return [];
  }
}
