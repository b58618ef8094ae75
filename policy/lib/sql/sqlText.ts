// Positions in SQL text. The PostgreSQL parser reports statement and node locations as UTF-8
// byte offsets, and syntax errors as code point offsets; messages speak in lines and columns.

export interface LineColumn {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export class SqlText {
  private readonly bytes: Buffer;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, "utf8");
  }

  /** The text between two byte offsets; a length of 0 or less means "to the end" (as libpg_query's stmt_len). */
  sliceBytes(start: number, length?: number): string {
    const end = length === undefined || length <= 0 ? this.bytes.length : start + length;
    return this.bytes.subarray(start, end).toString("utf8");
  }

  atByte(byteOffset: number): LineColumn {
    return lineColumnOf(this.bytes.subarray(0, Math.max(0, byteOffset)).toString("utf8"));
  }

  /** `codePointOffset` is 0-based, as libpg-query's `cursorPosition`. */
  atCodePoint(codePointOffset: number): LineColumn {
    return lineColumnOf(Array.from(this.text).slice(0, Math.max(0, codePointOffset)).join(""));
  }
}

/** Line and column of the character right after `prefix`. */
function lineColumnOf(prefix: string): LineColumn {
  const lines = prefix.split("\n");
  return { line: lines.length, column: Array.from(lines[lines.length - 1]).length + 1 };
}
