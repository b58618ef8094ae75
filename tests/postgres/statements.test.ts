// How a migration file becomes statements (the real parser's boundaries, the Supabase CLI's
// text), where they sit in the file, and how secrets are cut out of messages.
import { lineAndColumn, sha256Hex, splitStatements, statementsChecksum, statementsProblem } from "../../infra/migrations";
import { redactSecrets } from "../../infra/toolkit";

async function texts(sql: string): Promise<string[]> {
  return (await splitStatements(sql, "test.sql")).map((statement) => statement.text);
}

describe("splitStatements", () => {
  it("keeps comments with the statement after them and a trailing comment as its own piece, as the CLI records them", async () => {
    const sql = "-- header\n-- more\ncreate table a (id int);\n\n/* block; with semicolon */ select 1 ;\n-- trailing\n";
    expect(await texts(sql)).toEqual(["-- header\n-- more\ncreate table a (id int)", "/* block; with semicolon */ select 1", "-- trailing"]);
  });

  it("never splits inside strings, dollar quotes, quoted identifiers or BEGIN ATOMIC bodies", async () => {
    const sql = [
      "select 'a;b', \"x;y\" from (select 1 as \"x;y\") t;",
      "do $body$ begin perform 1; perform 2; end $body$;",
      "create function f() returns int language sql begin atomic select 1; select 2; end;",
      "select $$;$$",
    ].join("\n");
    expect(await texts(sql)).toHaveLength(4);
  });

  it("drops empty statements and separates comment-only pieces between semicolons", async () => {
    expect(await texts("select 1;; ;select 2;")).toEqual(["select 1", "select 2"]);
    expect(await texts("select 1; -- note\n; select 2")).toEqual(["select 1", "-- note", "select 2"]);
  });

  it("places each statement in the file by characters, multi-byte text included", async () => {
    const sql = "-- café — naïve\nselect 1;\n  select 'é';\n";
    const statements = await splitStatements(sql, "test.sql");
    expect(statements.map((statement) => [statement.number, statement.kind, lineAndColumn(sql, statement.offset)])).toEqual([
      [1, "SelectStmt", { line: 1, column: 1 }],
      [2, "SelectStmt", { line: 3, column: 3 }],
    ]);
  });

  it("names the file, line and column of a syntax error", async () => {
    await expect(splitStatements("select 1;\n\n  selec 'é';", "20260101000000_x.sql")).rejects.toThrow(
      '20260101000000_x.sql: syntax error at or near "selec" at line 3, column 3',
    );
  });

  it("finds transaction control and counts real statements", async () => {
    const sql = "select 1;\nrollback;\n";
    const statements = await splitStatements(sql, "t.sql");
    expect(statementsProblem(statements, sql, false)).toContain("statement 2 (line 2) controls the transaction");
    expect(statementsProblem(await splitStatements("savepoint a; release a;", "t.sql"), "", false)).toBeUndefined();
    expect(statementsProblem(await splitStatements("-- nothing\n", "t.sql"), "", false)).toBe("no SQL statement in the file");
    expect(statementsProblem(await splitStatements("select 1; -- done\n", "t.sql"), "", true)).toBeUndefined();
  });

  it("defines the recorded content's checksum as sha256 of the JSON array", () => {
    expect(statementsChecksum(["select 1", "select 2"])).toBe(sha256Hex('["select 1","select 2"]'));
    expect(statementsChecksum(["select 1", "select 2"])).not.toBe(statementsChecksum(["select 1select 2"]));
  });
});

describe("redactSecrets", () => {
  const connection = "postgresql://deployer:p%40ss%2Fword@db.example.com:5432/postgres?sslmode=require";

  it("removes the URL and the password in every spelling", () => {
    const text = `failed: ${connection} | raw p@ss/word | encoded p%40ss%2Fword`;
    const redacted = redactSecrets(text, connection);
    expect(redacted).not.toContain("p@ss/word");
    expect(redacted).not.toContain("p%40ss%2Fword");
    expect(redacted).toBe("failed: *** | raw *** | encoded ***");
  });

  it("removes the password of any other PostgreSQL URL and of password= settings", () => {
    expect(redactSecrets("see postgres://other:hunter2@host/db and password=abc123 and password = 'x y'")).toBe(
      "see postgres://other:***@host/db and password=*** and password = ***",
    );
  });
});
