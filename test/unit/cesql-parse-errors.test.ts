import { describe, expect, it } from 'vitest';
import { CesqlParseError, compileCesql } from '../../src/filters/cesql/index.js';

/** The parse error an expression throws (the test fails if it compiles). */
function parseError(expression: string): CesqlParseError {
  try {
    compileCesql(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(CesqlParseError);
    return error as CesqlParseError;
  }
  return expect.fail(`${JSON.stringify(expression)} compiled, but a parse error was expected`);
}

describe('CESQL parse errors', () => {
  it('are Errors of kind parse with 0-based position and 1-based line and column', () => {
    const error = parseError("type = 'a' AND");
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe('parse');
    expect(error.name).toBe('CesqlParseError');
    expect(error).toMatchObject({ position: 14, line: 1, column: 15 });
    expect(error.message).toBe("an expression is expected after 'AND' at column 12, found the end of the expression");
  });

  it('give line and column within an expression that spans lines, as YAML block scalars do', () => {
    const error = parseError("type = 'a'\n  AND (subject = 'b'\n  OR");
    expect(error).toMatchObject({ line: 3, column: 5, position: 36 });
    expect(error.message).toBe("an expression is expected after 'OR' at line 3, column 3, found the end of the expression");
  });

  it('count \\r\\n as one line break', () => {
    expect(parseError("type = 'a'\r\nAND #")).toMatchObject({ line: 2, column: 5 });
  });

  it('point at the opening parenthesis a call never closes', () => {
    const error = parseError('ABC(');
    expect(error).toMatchObject({ position: 4, column: 5 });
    expect(error.message).toBe("')' expected to close 'ABC(' at column 4, found the end of the expression");
  });

  it('point at a parenthesis that is never closed', () => {
    const error = parseError("(type = 'a' OR subject = 'b'");
    expect(error.message).toBe("')' expected at column 29 to close the '(' at column 1, found the end of the expression");
  });

  it('point at a closing parenthesis without an opening one', () => {
    expect(parseError("type = 'a')")).toMatchObject({ column: 11, message: "')' at column 11 has no matching '('" });
  });

  it('say how CESQL spells operators from other languages', () => {
    expect(parseError("type == 'a'")).toMatchObject({ column: 6, message: "'==' is not a CESQL operator; use '=' (column 6)" });
    expect(parseError('a && b').message).toContain('use AND');
    expect(parseError('a || b').message).toContain('use OR');
    expect(parseError('!a').message).toContain('use NOT');
    expect(parseError('data.vm = 1').message).toContain('payload');
  });

  it('name a character that has no meaning', () => {
    expect(parseError('a # b')).toMatchObject({ column: 3, message: "unexpected character '#' (U+0023) at column 3" });
    expect(parseError('a\u00a0= b').message).toBe('unexpected character U+00A0 at column 2');
  });

  it('point at the opening quote of a string that is not closed', () => {
    const error = parseError("subject = 'Vm");
    expect(error).toMatchObject({ position: 10, column: 11 });
    expect(error.message).toBe("string starting at column 11 is not closed: add the closing ' (write ' inside it as \\')");
  });

  it('refuse integers outside 32 bits, and accept -2147483648 as a literal', () => {
    expect(parseError('x = 2147483648')).toMatchObject({
      column: 5,
      message: 'integer 2147483648 at column 5 is out of the 32-bit range -2147483648..2147483647',
    });
    expect(parseError('-2147483649').message).toContain('integer -2147483649');
    expect(compileCesql('-2147483648').evaluate({}).value).toBe(-2147483648);
  });

  it('require a string literal as the LIKE pattern (spec §3.4.3)', () => {
    const error = parseError('x LIKE 123');
    expect(error).toMatchObject({ column: 8 });
    expect(error.message).toBe("LIKE at column 3 needs a quoted pattern such as 'com.vmware.%', found the number 123");
    expect(parseError("x LIKE subject").message).toContain("found 'subject'");
    expect(parseError("x LIKE CONCAT('a', '%')").message).toContain('needs a quoted pattern');
  });

  it("expect LIKE or IN after an infix NOT", () => {
    const error = parseError("subject NOT = 'a'");
    expect(error).toMatchObject({ column: 13 });
    expect(error.message).toBe("'LIKE' or 'IN' expected after NOT at column 9, found '='; to negate a condition write NOT (condition)");
  });

  it('require a non-empty parenthesized set after IN', () => {
    expect(parseError("type IN 'a'").message).toBe("'(' expected after IN at column 6, as in x IN ('a', 'b'); found the string 'a'");
    expect(parseError('type IN ()').message).toBe('the set after IN at column 6 is empty; it needs at least one value');
    expect(parseError("type IN ('a' 'b')").message).toBe("',' or ')' expected at column 14 in the set of IN at column 6, found the string 'b'");
  });

  it('require an attribute name after EXISTS', () => {
    expect(parseError('EXISTS (subject)').message).toBe("an attribute name is expected after EXISTS at column 8, found '('");
    expect(parseError('EXISTS AND').message).toBe('an attribute name is expected after EXISTS at column 8, found the keyword AND');
  });

  it('refuse identifiers the CloudEvents naming convention forbids', () => {
    expect(parseError('my_ext = 1').message).toBe("'my_ext' at column 1 is not an attribute name: CloudEvents attribute names have only letters and digits");
    expect(parseError('f1(2)').message).toBe("'f1' at column 1 is not a function name: a function name has only letters and '_'");
  });

  it('refuse a keyword where an operand belongs', () => {
    expect(parseError('AND x').message).toBe('an expression is expected at column 1, found the keyword AND');
    expect(parseError("type = 'a' AND OR x").message).toBe('an expression is expected at column 16, found the keyword OR');
  });

  it('say that two conditions need AND or OR between them', () => {
    expect(parseError("type = 'a' subject = 'b'").message).toBe(
      "unexpected 'subject' at column 12: the expression before it is complete; join conditions with AND, OR or XOR",
    );
  });

  it('refuse unary plus except as the sign of an integer literal (spec §2.2)', () => {
    expect(compileCesql('+5').evaluate({}).value).toBe(5);
    expect(parseError('+x').message).toBe("'+' at column 1 must be followed by digits (there is no unary plus)");
  });

  it('refuse an empty or blank expression', () => {
    expect(parseError('').message).toBe('the expression is empty');
    expect(parseError(' \n ').message).toBe('the expression is empty');
  });

  it('refuse arguments that are not separated by commas', () => {
    expect(parseError("CONCAT('a' 'b')").message).toBe("',' or ')' expected at column 12 in the arguments of CONCAT( at column 7, found the string 'b'");
  });

  it('refuse nesting deep enough to exhaust the stack, in parentheses or in chains', () => {
    expect(parseError(`${'('.repeat(5000)}TRUE${')'.repeat(5000)}`).message).toBe('the expression nests deeper than 1000 levels');
    expect(parseError(`${'NOT '.repeat(5000)}TRUE`).message).toBe('the expression nests deeper than 1000 levels');
    expect(parseError(`${'TRUE AND '.repeat(5000)}TRUE`).message).toBe('the expression nests deeper than 1000 levels');
    expect(compileCesql(`${'TRUE AND '.repeat(500)}TRUE`).evaluate({}).value).toBe(true);
  });

  it('do not report unknown functions: the spec makes them evaluation errors, so they are warnings', () => {
    const compiled = compileCesql('FOO(1) AND TRUE');
    expect(compiled.warnings.map((w) => w.message)).toEqual([expect.stringContaining('unknown function FOO')]);
  });
});
