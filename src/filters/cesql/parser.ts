// A Pratt parser for CESQL (spec §2), with the precedence of §3.6, strongest first:
// function invocation; NOT; unary -; LIKE; EXISTS; IN; * / %; + -; comparisons; and
// AND, OR, XOR, which share one level. Operators of equal precedence group left to right,
// so `a OR b AND c` is `(a OR b) AND c` (the spec, unlike SQL; the compiler warns about it).

import { children, type BinaryOperator, type Expression } from './ast.js';
import type { SourceText } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import { INT32_MAX } from './types.js';

const LOGIC = 10;
const COMPARISON = 20;
const ADDITIVE = 30;
const MULTIPLICATIVE = 40;
const IN = 50;
const LIKE = 60;
const NEGATE = 70;
const NOT = 80;

const BINARY_POWER: Readonly<Record<string, number>> = {
  '*': MULTIPLICATIVE, '/': MULTIPLICATIVE, '%': MULTIPLICATIVE,
  '+': ADDITIVE, '-': ADDITIVE,
  '=': COMPARISON, '!=': COMPARISON, '<>': COMPARISON, '<': COMPARISON, '<=': COMPARISON, '>': COMPARISON, '>=': COMPARISON,
  AND: LOGIC, OR: LOGIC, XOR: LOGIC,
};

const KEYWORDS = new Set(['AND', 'OR', 'XOR', 'NOT', 'LIKE', 'IN', 'EXISTS', 'TRUE', 'FALSE']);
// Spec §2.2 and the CloudEvents naming convention; the TCK reads `EXISTS SOURCE` as `source`.
const IDENTIFIER = /^[A-Za-z0-9]+$/;
// Spec §2.4: function-identifier ::= char ( "_" | char )*
const FUNCTION_NAME = /^[A-Za-z][A-Za-z_]*$/;
/** Deeper trees are refused so that compiling and evaluating them cannot exhaust the stack. */
export const MAX_DEPTH = 1000;

export function parse(source: SourceText): Expression {
  return new Parser(source).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(private readonly source: SourceText) {
    this.tokens = tokenize(source);
  }

  parseAll(): Expression {
    if (this.peek().kind === 'end') throw this.source.parseError('the expression is empty', 0);
    const expression = this.expression(0);
    const next = this.peek();
    if (next.kind === ')') throw this.error(next, `')' at ${this.at(next)} has no matching '('`);
    if (next.kind !== 'end') {
      throw this.error(next, `unexpected ${describe(next)} at ${this.at(next)}: the expression before it is complete; join conditions with AND, OR or XOR`);
    }
    checkDepth(expression, this.source);
    return expression;
  }

  private expression(minPower: number): Expression {
    if (++this.depth > MAX_DEPTH) throw this.error(this.peek(), `the expression nests deeper than ${MAX_DEPTH} levels`);
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      const word = token.kind === 'word' ? token.text.toUpperCase() : undefined;
      const operator = token.kind === 'operator' ? token.text : word;
      if (operator === 'NOT') {
        const after = this.peekAt(1);
        const afterWord = after.kind === 'word' ? after.text.toUpperCase() : '';
        if (afterWord !== 'LIKE' && afterWord !== 'IN') {
          throw this.error(after, `'LIKE' or 'IN' expected after NOT at ${this.at(token)}, found ${describe(after)}; to negate a condition write NOT (condition)`);
        }
        if ((afterWord === 'LIKE' ? LIKE : IN) <= minPower) break;
        this.next();
        left = afterWord === 'LIKE' ? this.like(left, true) : this.in(left, true);
      } else if (operator === 'LIKE') {
        if (LIKE <= minPower) break;
        left = this.like(left, false);
      } else if (operator === 'IN') {
        if (IN <= minPower) break;
        left = this.in(left, false);
      } else if (operator !== undefined && BINARY_POWER[operator] !== undefined) {
        const power = BINARY_POWER[operator]!;
        if (power <= minPower) break;
        this.next();
        const right = this.operand(power, token, operator);
        left = { type: 'binary', operator: operator as BinaryOperator, left, right, position: token.start };
      } else {
        break;
      }
    }
    this.depth--;
    return left;
  }

  /** The right-hand side of an operator, with a message that names the operator when it is missing. */
  private operand(power: number, operator: Token, name: string): Expression {
    const next = this.peek();
    if (next.kind === 'end' || next.kind === ')' || next.kind === ',') {
      throw this.error(next, `an expression is expected after '${name}' at ${this.at(operator)}, found ${describe(next)}`);
    }
    return this.expression(power);
  }

  private prefix(): Expression {
    const token = this.next();
    switch (token.kind) {
      case 'integer':
        return { type: 'literal', value: this.integer(token.value as number, token, token.text), position: token.start };
      case 'string':
        return { type: 'literal', value: token.value as string, position: token.start };
      case '(':
        return this.group(token);
      case 'operator':
        return this.signed(token);
      case 'word':
        return this.word(token);
      default:
        throw this.error(token, `an expression is expected at ${this.at(token)}, found ${describe(token)}`);
    }
  }

  private group(open: Token): Expression {
    const inner = this.expression(0);
    const close = this.next();
    if (close.kind !== ')') {
      throw this.error(close, `')' expected at ${this.at(close)} to close the '(' at ${this.at(open)}, found ${describe(close)}`);
    }
    inner.parenthesized = true;
    return inner;
  }

  /** `-` negates; spec §2.2 lets an integer literal carry its sign, which is how
   *  -2147483648 is written although 2147483648 is out of range. */
  private signed(sign: Token): Expression {
    const next = this.peek();
    if ((sign.text === '-' || sign.text === '+') && next.kind === 'integer') {
      this.next();
      const magnitude = next.value as number;
      const value = this.integer(sign.text === '-' ? -magnitude : magnitude, sign, `${sign.text}${next.text}`);
      return { type: 'literal', value: value + 0, position: sign.start };
    }
    if (sign.text === '-') return { type: 'unary', operator: '-', operand: this.operand(NEGATE, sign, '-'), position: sign.start };
    if (sign.text === '+') throw this.error(sign, `'+' at ${this.at(sign)} must be followed by digits (there is no unary plus)`);
    throw this.error(sign, `an expression is expected at ${this.at(sign)}, found ${describe(sign)}`);
  }

  /** Spec §2.2: integer literals MUST be valid 32-bit signed integers. */
  private integer(value: number, start: Token, written: string): number {
    if (value > INT32_MAX || value < -INT32_MAX - 1) {
      throw this.error(start, `integer ${written} at ${this.at(start)} is out of the 32-bit range -2147483648..2147483647`);
    }
    return value;
  }

  private word(token: Token): Expression {
    const upper = token.text.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') return { type: 'literal', value: upper === 'TRUE', position: token.start };
    if (upper === 'NOT') return { type: 'unary', operator: 'NOT', operand: this.operand(NOT, token, 'NOT'), position: token.start };
    if (upper === 'EXISTS') return { type: 'exists', name: this.identifier(this.next(), 'EXISTS'), position: token.start };
    if (KEYWORDS.has(upper)) {
      throw this.error(token, `an expression is expected at ${this.at(token)}, found the keyword ${upper}`);
    }
    if (this.peek().kind === '(') return this.call(token);
    return { type: 'attribute', name: this.identifier(token), position: token.start };
  }

  private identifier(token: Token, after?: string): string {
    const context = after === undefined ? '' : ` after ${after}`;
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toUpperCase())) {
      throw this.error(token, `an attribute name is expected${context} at ${this.at(token)}, found ${describe(token)}`);
    }
    if (!IDENTIFIER.test(token.text)) {
      const why = token.text.toLowerCase() === 'data_base64'
        ? 'it is the payload, which CESQL cannot read; use a data: filter'
        : 'CloudEvents attribute names have only letters and digits';
      throw this.error(token, `'${token.text}' at ${this.at(token)} is not an attribute name: ${why}`);
    }
    return token.text.toLowerCase();
  }

  private call(name: Token): Expression {
    if (!FUNCTION_NAME.test(name.text)) {
      throw this.error(name, `'${name.text}' at ${this.at(name)} is not a function name: a function name has only letters and '_'`);
    }
    const open = this.next();
    const args: Expression[] = [];
    if (this.peek().kind === ')') {
      this.next();
    } else {
      for (;;) {
        const next = this.peek();
        if (next.kind === 'end') throw this.error(next, `')' expected to close '${name.text}(' at ${this.at(open)}, found the end of the expression`);
        args.push(this.expression(0));
        const separator = this.next();
        if (separator.kind === ')') break;
        if (separator.kind !== ',') {
          throw this.error(separator, `',' or ')' expected at ${this.at(separator)} in the arguments of ${name.text}( at ${this.at(open)}, found ${describe(separator)}`);
        }
      }
    }
    return { type: 'call', name: name.text.toUpperCase(), args, position: name.start };
  }

  private like(operand: Expression, negated: boolean): Expression {
    const keyword = this.next();
    const pattern = this.next();
    // Spec §3.4.3: the pattern must be a string literal, not an expression cast to one.
    if (pattern.kind !== 'string') {
      throw this.error(pattern, `LIKE at ${this.at(keyword)} needs a quoted pattern such as 'com.vmware.%', found ${describe(pattern)}`);
    }
    return { type: 'like', negated, operand, pattern: pattern.value as string, position: keyword.start };
  }

  private in(operand: Expression, negated: boolean): Expression {
    const keyword = this.next();
    const open = this.next();
    if (open.kind !== '(') {
      throw this.error(open, `'(' expected after IN at ${this.at(keyword)}, as in x IN ('a', 'b'); found ${describe(open)}`);
    }
    if (this.peek().kind === ')') throw this.error(this.peek(), `the set after IN at ${this.at(keyword)} is empty; it needs at least one value`);
    const set: Expression[] = [];
    for (;;) {
      set.push(this.expression(0));
      const separator = this.next();
      if (separator.kind === ')') break;
      if (separator.kind !== ',') {
        throw this.error(separator, `',' or ')' expected at ${this.at(separator)} in the set of IN at ${this.at(keyword)}, found ${describe(separator)}`);
      }
    }
    return { type: 'in', negated, operand, set, position: keyword.start };
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private peekAt(ahead: number): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private at(token: Token): string {
    return this.source.describe(token.start);
  }

  private error(token: Token, message: string) {
    return this.source.parseError(message, token.start);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `the string ${token.text}`;
    case 'integer':
      return `the number ${token.text}`;
    case 'word':
      return KEYWORDS.has(token.text.toUpperCase()) ? `the keyword ${token.text.toUpperCase()}` : `'${token.text}'`;
    default:
      return `'${token.text}'`;
  }
}

/** Left-leaning chains (a AND b AND c ...) are built by a loop, so their depth is checked apart. */
function checkDepth(root: Expression, source: SourceText): void {
  const stack: Array<[Expression, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) throw source.parseError(`the expression nests deeper than ${MAX_DEPTH} levels`, node.position);
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}
