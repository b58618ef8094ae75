// The schedule check of the CronJob resource: a port of the parser pg_cron 1.4 runs in
// cron.schedule() (src/entry.c parse_cron_entry and src/misc.c, Paul Vixie's cron parser),
// so that `check` refuses exactly what the database would refuse, before anything is deployed.
//
// Faithful on purpose, quirks included: pg_cron accepts `@reboot`, a comment line before the
// fields, and trailing text after a valid value (`5x` in a field is skipped as a Vixie cron
// would). tests/postgres/cronSchedule.test.ts compares this port with the real cron.schedule
// on a table of cases and on random schedules, so it cannot drift from the extension.
//
// Pure functions and constants only: the provider that uses it is serialized by Pulumi.

/** pg_cron copies the schedule into a 1000-byte buffer and refuses anything that does not fit. */
const MAX_FILE_BUFFER_LENGTH = 1000;
/** Longest token (number or name) or @-word the parser collects. */
const MAX_TEMPSTR = 1000;
const MAX_COMMAND = 1000;
const EOF = -1;
const NUL = 0;
const TAB = 9;
const NEWLINE = 10;
const SPACE = 32;

const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Sunday is both 0 and 7, as in pg_cron. */
const DOW_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const AT_MACROS = ["reboot", "restart", "yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly"];

interface Field {
  label: string;
  low: number;
  high: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { label: "minute", low: 0, high: 59 },
  { label: "hour", low: 0, high: 23 },
  { label: "day of month", low: 1, high: 31 },
  { label: "month", low: 1, high: 12, names: MONTH_NAMES },
  { label: "day of week", low: 0, high: 7, names: DOW_NAMES },
];

/** The parser's view of the schedule: C `char` values, '\0' forever at the end, an unget stack. */
interface Cursor {
  bytes: number[];
  pointer: number;
  unget: number[];
}

function getChar(cursor: Cursor): number {
  if (cursor.unget.length > 0) return cursor.unget.pop() as number;
  if (cursor.pointer === cursor.bytes.length) return NUL;
  return cursor.bytes[cursor.pointer++];
}

function ungetChar(cursor: Cursor, ch: number): void {
  cursor.unget.push(ch);
}

function isAlnum(ch: number): boolean {
  return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122);
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function isBlank(ch: number): boolean {
  return ch === SPACE || ch === TAB;
}

/** glibc atoi: strtol (saturating at the long range) truncated to a 32-bit int. */
function atoi(digits: string): number {
  const LONG_MAX = (1n << 63n) - 1n;
  let value = BigInt(digits);
  if (value > LONG_MAX) value = LONG_MAX;
  return Number(BigInt.asIntN(32, value));
}

/**
 * skip_comments(): blank lines and `#` lines before the fields. pg_cron never returns from it
 * on a `#` line without a newline after it (its buffer yields '\0' forever at the end), so the
 * caller is told instead of looping.
 */
function skipComments(cursor: Cursor): "ok" | "hangs" {
  let ch = getChar(cursor);
  while (ch !== EOF) {
    while (isBlank(ch)) ch = getChar(cursor);
    if (ch === EOF) break;
    if (ch !== NEWLINE && ch !== 35 /* # */) break;
    while (ch !== NEWLINE && ch !== EOF) {
      if (ch === NUL) return "hangs";
      ch = getChar(cursor);
    }
    ch = getChar(cursor);
  }
  if (ch !== EOF) ungetChar(cursor, ch);
  return "ok";
}

/** get_number(): a number, or a name from the field's list; EOF when it is neither. */
function getNumber(cursor: Cursor, ch: number, low: number, names: readonly string[] | undefined): { ch: number; value: number } {
  let token = "";
  let allDigits = true;
  while (isAlnum(ch)) {
    if (token.length + 1 >= MAX_TEMPSTR) return { ch: EOF, value: 0 };
    token += String.fromCharCode(ch);
    if (!isDigit(ch)) allDigits = false;
    ch = getChar(cursor);
  }
  if (token.length === 0) return { ch: EOF, value: 0 };
  if (names) {
    const index = names.findIndex((name) => name.toLowerCase() === token.toLowerCase());
    if (index !== -1) return { ch, value: index + low };
  }
  if (allDigits) return { ch, value: atoi(token) };
  return { ch: EOF, value: 0 };
}

/** get_range(): `*`, `n`, or `a-b`, optionally followed by `/step`. Returns the next char or EOF. */
function getRange(cursor: Cursor, field: Field, ch: number): number {
  const { low, high, names } = field;
  let num1: number;
  let num2: number;
  if (ch === 42 /* * */) {
    num1 = low;
    num2 = high;
    ch = getChar(cursor);
  } else {
    const first = getNumber(cursor, ch, low, names);
    ch = first.ch;
    if (ch === EOF) return EOF;
    num1 = first.value;
    if (ch !== 45 /* - */) {
      // A step needs a range: pg_cron refuses `1/20`.
      if (ch === 47 /* / */) return EOF;
      if (num1 < low || num1 > high) return EOF;
      return ch;
    }
    ch = getChar(cursor);
    const second = getNumber(cursor, ch, low, names);
    ch = second.ch;
    if (ch === EOF) return EOF;
    num2 = second.value;
  }
  if (ch === 47 /* / */) {
    ch = getChar(cursor);
    const stepNumber = getNumber(cursor, ch, 0, undefined);
    ch = stepNumber.ch;
    if (ch === EOF || stepNumber.value <= 0) return EOF;
  }
  // The bits set_range() would set do not matter here, only its bounds check.
  if (num1 < low || num1 > high || num2 < low || num2 > high) return EOF;
  return ch;
}

/** get_list(): ranges separated by commas, then the rest of the field and the blanks after it. */
function getList(cursor: Cursor, field: Field, ch: number): number {
  for (;;) {
    ch = getRange(cursor, field, ch);
    if (ch !== 44 /* , */) break;
    ch = getChar(cursor);
  }
  while (ch !== TAB && ch !== SPACE && ch !== NEWLINE && ch !== EOF && ch !== NUL) ch = getChar(cursor);
  while (isBlank(ch)) ch = getChar(cursor);
  return ch;
}

/** get_string() after `@`: the word up to a blank, newline or the end. */
function getWord(cursor: Cursor): string {
  let word = "";
  for (;;) {
    const ch = getChar(cursor);
    if (ch === EOF || ch === NUL || isBlank(ch) || ch === NEWLINE) break;
    if (word.length < MAX_COMMAND - 1) word += String.fromCharCode(ch & 0xff);
  }
  return word;
}

/** The schedule as C `char`s: UTF-8 bytes, those above 0x7f negative (0xff reads as EOF). */
function toCursor(schedule: string): Cursor {
  const bytes = Array.from(Buffer.from(schedule, "utf8"), (byte) => (byte > 0x7f ? byte - 256 : byte));
  return { bytes, pointer: 0, unget: [] };
}

/**
 * Why pg_cron 1.4's cron.schedule() would refuse this schedule, or undefined when it accepts it.
 * The reason names the part that fails, for the `schedule` check failure.
 */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (Buffer.byteLength(schedule, "utf8") >= MAX_FILE_BUFFER_LENGTH) {
    return `longer than pg_cron's limit of ${MAX_FILE_BUFFER_LENGTH - 1} bytes`;
  }
  const cursor = toCursor(schedule);
  if (skipComments(cursor) === "hangs") {
    return "a line starting with # must end with a newline (pg_cron 1.4 never returns from such a schedule)";
  }
  let ch = getChar(cursor);
  if (ch === EOF) return "empty schedule";
  if (ch === 64 /* @ */) {
    const word = getWord(cursor);
    if (AT_MACROS.includes(word)) return undefined;
    return `unknown @-schedule "@${word}"; pg_cron 1.4 knows @${AT_MACROS.join(", @")}`;
  }
  for (const field of FIELDS) {
    ch = getList(cursor, field, ch);
    if (ch === EOF) {
      return `bad ${field.label} field: expected 5 fields (minute hour day-of-month month day-of-week) of *, n, a-b, with optional /step and commas; ${field.label} must be ${field.low}-${field.high}${field.names ? " or a 3-letter name" : ""}`;
    }
  }
  return undefined;
}

export function isValidCronSchedule(schedule: string): boolean {
  return cronScheduleProblem(schedule) === undefined;
}


