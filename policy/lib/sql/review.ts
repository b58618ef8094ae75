// The SQL review of a stack's migrations, in version order. It checks only what guards future
// migrations better than the tests, which apply the real files to PostgreSQL, can:
//   - no grant gives anon or public access to schema analytics or the auth hook;
//   - every security definer function pins search_path (alter and drop function replayed);
//   - every file parses: a file the parser cannot read could hide either of the above.
// The static statements of `do` blocks are read too. Why nothing else: policy/README.md.
import { anonymousGrantProblem } from "./anonymousGrants";
import { staticStatements } from "./doBlock";
import { Finding, findingAt, MigrationSource, SourceLocation } from "./findings";
import { FunctionModel } from "./functions";
import { parseRoutine, parseStatements, SqlSyntaxError } from "./parser";
import { SqlText } from "./sqlText";
import type { Node } from "./parser";

export type { Finding, MigrationSource } from "./findings";

function syntaxProblem(error: SqlSyntaxError): string {
  return `does not parse: ${error.message}; fix the SQL there (PostgreSQL rejects it the same way)`;
}

/** The body of `do $$...$$`, as the parser hands it back. */
function doBody(node: Node): string | undefined {
  if (!("DoStmt" in node)) return undefined;
  for (const option of node.DoStmt.args ?? []) {
    if ("DefElem" in option && option.DefElem.defname === "as" && option.DefElem.arg && "String" in option.DefElem.arg) return option.DefElem.arg.String.sval;
  }
  return undefined;
}

class MigrationReview {
  readonly functions = new FunctionModel();
  readonly findings: Finding[] = [];

  async reviewFile(migration: MigrationSource): Promise<void> {
    const text = new SqlText(migration.sql);
    const parsed = await parseStatements(migration.sql);
    if (!parsed.ok) {
      const offset = parsed.error.codePointOffset;
      if (offset === undefined) this.findings.push({ urn: migration.urn, message: `${migration.file} (the parser gives no position) ${syntaxProblem(parsed.error)}` });
      else this.report({ migration, ...text.atCodePoint(offset) }, syntaxProblem(parsed.error));
      return;
    }
    for (const statement of parsed.value) {
      const location: SourceLocation = { migration, ...text.atByte(statement.byteStart) };
      this.reviewStatement(statement.node, location);
      if ("DoStmt" in statement.node) await this.reviewDoBlock(statement.node, text.sliceBytes(statement.byteStart, statement.byteLength), location);
    }
  }

  private report(location: SourceLocation, problem: string): void {
    this.findings.push(findingAt(location, problem));
  }

  private reviewStatement(node: Node, location: SourceLocation): void {
    const grantProblem = anonymousGrantProblem(node);
    if (grantProblem) this.report(location, grantProblem);
    this.functions.apply(node, location);
  }

  /** The statements a `do` block runs now, reviewed like top-level ones, at their own line. */
  private async reviewDoBlock(node: Node, statementSql: string, location: SourceLocation): Promise<void> {
    const parsed = await parseRoutine(statementSql);
    if (!parsed.ok) {
      this.report(location, `the do block ${syntaxProblem(parsed.error)} (the PL/pgSQL parser reports no position; look inside this statement)`);
      return;
    }
    const body = doBody(node);
    const bodyOffset = body === undefined ? -1 : statementSql.indexOf(body);
    const bodyLine = location.line + (bodyOffset < 0 ? 0 : statementSql.slice(0, bodyOffset).split("\n").length - 1);
    for (const statement of staticStatements(parsed.value)) {
      const inner = await parseStatements(statement.sql);
      // The PL/pgSQL parser has already checked the syntax of its static statements.
      if (!inner.ok) continue;
      const at: SourceLocation = { migration: location.migration, line: bodyLine + statement.lineInBody - 1 };
      for (const { node: innerNode } of inner.value) this.reviewStatement(innerNode, at);
    }
  }
}

/** Reviews the migrations of a stack, given in version order. */
export async function reviewMigrations(migrations: readonly MigrationSource[]): Promise<Finding[]> {
  const review = new MigrationReview();
  for (const migration of migrations) await review.reviewFile(migration);
  return [...review.findings, ...review.functions.definerWithoutSearchPath()];
}
