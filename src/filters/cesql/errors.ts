// The error values of CESQL (spec §3.3). Evaluation errors are values returned beside the
// result, never thrown: every operator and function is total. Only parsing throws, once, when
// the configuration is loaded.

export type CesqlErrorKind =
  | 'parse'
  | 'math'
  | 'cast'
  | 'missingFunction'
  | 'functionEvaluation'
  | 'missingAttribute'
  | 'generic';

export interface CesqlError {
  readonly kind: CesqlErrorKind;
  readonly message: string;
}

/** Where something is in an expression: 0-based offset, 1-based line and column. */
export interface CesqlLocation {
  readonly position: number;
  readonly line: number;
  readonly column: number;
}

/** A problem found at compile time that does not stop the expression from being used. */
export interface CesqlWarning extends CesqlLocation {
  readonly message: string;
}

export class CesqlParseError extends Error {
  readonly kind = 'parse';
  /** 0-based offset in the expression where the problem is. */
  readonly position: number;
  /** 1-based line and column within the expression (expressions may span lines in YAML). */
  readonly line: number;
  readonly column: number;
  constructor(message: string, where: CesqlLocation) {
    super(message);
    this.name = 'CesqlParseError';
    this.position = where.position;
    this.line = where.line;
    this.column = where.column;
  }
}

export function cesqlError(kind: CesqlErrorKind, message: string): CesqlError {
  return Object.freeze({ kind, message });
}

/** Turns offsets into lines and columns, and says "at column 7" or "at line 2, column 3". */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n counts once; a lone \r or \n ends a line too.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  locate(position: number): CesqlLocation {
    let line = 0;
    while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1]! <= position) line++;
    return { position, line: line + 1, column: position - this.lineStarts[line]! + 1 };
  }

  /** "column 7" for a one-line expression, "line 2, column 3" otherwise. */
  describe(position: number): string {
    const { line, column } = this.locate(position);
    return this.lineStarts.length === 1 ? `column ${column}` : `line ${line}, column ${column}`;
  }

  parseError(message: string, position: number): CesqlParseError {
    return new CesqlParseError(message, this.locate(position));
  }
}
