// The SQL security review of a stack's migrations, in version order:
//   - every file parses (else: file, line, column and the parser's message);
//   - no grant gives anon or public access to schema analytics or the auth hook;
//   - every security definer function pins search_path;
//   - every materialized view of analytics has a unique index usable by a concurrent refresh;
//   - analytics.refresh_all_views() refreshes every such view concurrently once populated.
// Statements inside `do` blocks (the idempotent guards of the migrations) are read too.
import { anonymousGrantProblem } from "./anonymousGrants";
import { evaluateScalar } from "./dynamicSql";
import { Finding, findingAt, MigrationSource, SourceLocation } from "./findings";
import { ParsedStatement, parseExpression, parseRoutine, parseStatements, PlpgsqlFunction, SqlSyntaxError, tokens } from "./parser";
import { refreshCoverageFindings } from "./refreshCoverage";
import { routineSql } from "./routine";
import { SchemaModel } from "./schemaModel";
import { LineColumn, SqlText } from "./sqlText";
import type { Node } from "./parser";

export type { Finding, MigrationSource } from "./findings";

interface StatementContext {
  location: SourceLocation;
  statementSql: string;
  /** Where the statement starts in its migration file, when it is a top-level statement. */
  fileByteStart?: number;
  text: SqlText;
}

function positionAfter(start: LineColumn, inner: LineColumn): LineColumn {
  return inner.line === 1 ? { line: start.line, column: start.column + inner.column - 1 } : inner.line > 1 ? { line: start.line + inner.line - 1, column: inner.column } : start;
}

function syntaxProblem(error: SqlSyntaxError): string {
  return `does not parse: ${error.message}; fix the SQL there (PostgreSQL rejects it the same way)`;
}

/** Where the body of a `create function ... as $$...$$` or `do $$...$$` starts in the file. */
async function bodyStart(context: StatementContext, body: string | undefined): Promise<LineColumn | undefined> {
  if (body === undefined || context.fileByteStart === undefined) return undefined;
  for (const token of await tokens(context.statementSql)) {
    if (token.tokenName !== "SCONST") continue;
    const opening = token.text.startsWith("$") ? token.text.slice(0, token.text.indexOf("$", 1) + 1) : "'";
    const content = token.text.slice(opening.length, token.text.length - opening.length);
    if (content === body || content.split("''").join("'") === body) {
      return context.text.atByte(context.fileByteStart + token.start + Buffer.byteLength(opening));
    }
  }
  return undefined;
}

function bodyOf(node: Node): string | undefined {
  const options = "CreateFunctionStmt" in node ? node.CreateFunctionStmt.options : "DoStmt" in node ? node.DoStmt.args : undefined;
  for (const option of options ?? []) {
    if (!("DefElem" in option) || option.DefElem.defname !== "as" || !option.DefElem.arg) continue;
    const arg = option.DefElem.arg;
    if ("String" in arg) return arg.String.sval;
    if ("List" in arg) {
      const first = arg.List.items?.[0];
      return first && "String" in first ? first.String.sval : undefined;
    }
  }
  return undefined;
}

function languageOf(node: Node): string {
  const options = "CreateFunctionStmt" in node ? node.CreateFunctionStmt.options : "DoStmt" in node ? node.DoStmt.args : undefined;
  for (const option of options ?? []) {
    if ("DefElem" in option && option.DefElem.defname === "language" && option.DefElem.arg && "String" in option.DefElem.arg) {
      return option.DefElem.arg.String.sval ?? "";
    }
  }
  return "DoStmt" in node ? "plpgsql" : "sql";
}

class MigrationReview {
  readonly model = new SchemaModel();
  readonly findings: Finding[] = [];

  async reviewFile(migration: MigrationSource): Promise<void> {
    const text = new SqlText(migration.sql);
    const parsed = await parseStatements(migration.sql);
    if (!parsed.ok) {
      const offset = parsed.error.codePointOffset;
      if (offset === undefined) {
        this.findings.push({ urn: migration.urn, message: `${migration.file} (the parser gives no position) ${syntaxProblem(parsed.error)}` });
      } else {
        this.report({ migration, ...text.atCodePoint(offset) }, syntaxProblem(parsed.error));
      }
      return;
    }
    for (const statement of parsed.value) {
      const start = text.atByte(statement.byteStart);
      await this.reviewStatement(statement.node, {
        location: { migration, line: start.line, column: start.column },
        statementSql: text.sliceBytes(statement.byteStart, statement.byteLength),
        fileByteStart: statement.byteStart,
        text,
      });
    }
  }

  private report(location: SourceLocation, problem: string): void {
    this.findings.push(findingAt(location, problem));
  }

  private async reviewStatement(node: Node, context: StatementContext): Promise<void> {
    const grantProblem = anonymousGrantProblem(node);
    if (grantProblem) this.report(context.location, grantProblem);
    if (!("CreateFunctionStmt" in node) && !("DoStmt" in node)) {
      this.model.apply(node, context.location, context.statementSql);
      return;
    }
    const body = bodyOf(node);
    const start = (await bodyStart(context, body)) ?? { line: context.location.line, column: context.location.column ?? 1 };
    const language = languageOf(node);
    if ("CreateFunctionStmt" in node) this.model.apply(node, context.location, context.statementSql, start.line);
    if (language === "plpgsql") await this.reviewRoutine(node, context, start);
    else if (language === "sql" && body !== undefined) await this.reviewSqlBody(body, context, start);
  }

  /** A SQL-language function body must parse, as PostgreSQL checks it at `create function`. */
  private async reviewSqlBody(body: string, context: StatementContext, start: LineColumn): Promise<void> {
    const parsed = await parseStatements(body);
    if (parsed.ok) return;
    const offset = parsed.error.codePointOffset;
    const position = offset === undefined ? start : positionAfter(start, new SqlText(body).atCodePoint(offset));
    this.report({ ...context.location, ...position }, `the function body ${syntaxProblem(parsed.error)}`);
  }

  /**
   * PL/pgSQL bodies must parse; the static statements in them must parse; and the statements a
   * `do` block runs at migration time are reviewed like top-level ones.
   */
  private async reviewRoutine(node: Node, context: StatementContext, start: LineColumn): Promise<void> {
    const parsed = await parseRoutine(context.statementSql);
    const what = "DoStmt" in node ? "the do block" : "the PL/pgSQL body";
    if (!parsed.ok) {
      this.report(context.location, `${what} ${syntaxProblem(parsed.error)} (the PL/pgSQL parser reports no position; look inside this statement)`);
      return;
    }
    if (!parsed.value) return;
    await this.reviewRoutineStatements(parsed.value, "DoStmt" in node, context, start);
  }

  private async reviewRoutineStatements(routine: PlpgsqlFunction, runsNow: boolean, context: StatementContext, start: LineColumn): Promise<void> {
    const { sites, environment } = await routineSql(routine);
    for (const site of sites) {
      const location: SourceLocation = { migration: context.location.migration, line: start.line + site.lineInBody - 1 };
      let statements: Array<{ sql: string; parsed: ParsedStatement[] }> = [];
      if (site.sql !== undefined) {
        // The PL/pgSQL parser has already checked the syntax of its static statements.
        const parsed = await parseStatements(site.sql);
        if (parsed.ok) statements = [{ sql: site.sql, parsed: parsed.value }];
      } else if (runsNow && site.expression !== undefined) {
        // Dynamic SQL of a do block runs now: review what it can be, when that can be worked out.
        const expression = await parseExpression(site.expression);
        for (const alternative of (expression && evaluateScalar(expression, environment)) ?? []) {
          const parsed = await parseStatements(alternative.text);
          if (parsed.ok) statements.push({ sql: alternative.text, parsed: parsed.value });
        }
      }
      if (!runsNow) continue;
      for (const { sql, parsed } of statements) {
        const text = new SqlText(sql);
        for (const statement of parsed) {
          await this.reviewStatement(statement.node, { location, statementSql: text.sliceBytes(statement.byteStart, statement.byteLength), text });
        }
      }
    }
  }
}

/** Reviews the migrations of a stack, given in version order. */
export async function reviewMigrations(migrations: readonly MigrationSource[]): Promise<Finding[]> {
  const review = new MigrationReview();
  for (const migration of migrations) await review.reviewFile(migration);
  return [
    ...review.findings,
    ...review.model.definerWithoutSearchPath(),
    ...review.model.viewsWithoutUniqueIndex(),
    ...(await refreshCoverageFindings(review.model, migrations.length > 0)),
  ];
}
