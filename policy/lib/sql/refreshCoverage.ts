// Does analytics.refresh_all_views() refresh every materialized view of schema analytics
// `concurrently` once it is populated?
//
// How: the function's PL/pgSQL body is parsed with libpg_query's PL/pgSQL parser, which yields
// every statement with its line. Static SQL statements are parsed with the SQL parser. For
// `execute <expression>`, the expression is parsed and folded into the strings it can produce
// (./dynamicSql.ts: format(), ||, CASE, constant arrays behind foreach/for loops), and each string
// is parsed in turn. Every `refresh materialized view` found this way is a use: view, concurrent
// or not, and whether it sits on a branch (if/case/handler, or a CASE/alternative inside the
// expression). The rule: each view has a concurrent use, and no plain use runs on every call.
// A plain refresh inside the "not yet populated" branch is therefore accepted; a plain refresh
// on the main path, or none concurrent at all, is a violation. SQL-language bodies are parsed
// directly. An `execute` whose SQL cannot be worked out is named in the message instead of
// being guessed at.
import type { RefreshMatViewStmt } from "libpg-query";
import { evaluateScalar } from "./dynamicSql";
import { Finding, findingAt, SourceLocation } from "./findings";
import { display, relationName } from "./names";
import { parseExpression, parseRoutine, parseStatements } from "./parser";
import { routineSql } from "./routine";
import type { FunctionDefinition, SchemaModel } from "./schemaModel";

export const REFRESH_FUNCTION = { schema: "analytics", name: "refresh_all_views" };

interface RefreshUse {
  view: string;
  concurrent: boolean;
  guarded: boolean;
  line: number;
}

interface RefreshAnalysis {
  uses: RefreshUse[];
  /** Lines of `execute` statements whose SQL the policy could not work out. */
  undetermined: number[];
}

async function refreshStatements(sql: string): Promise<RefreshMatViewStmt[]> {
  const parsed = await parseStatements(sql);
  if (!parsed.ok) return [];
  return parsed.value.flatMap((statement) => ("RefreshMatViewStmt" in statement.node ? [statement.node.RefreshMatViewStmt] : []));
}

function use(statement: RefreshMatViewStmt, guarded: boolean, line: number): RefreshUse {
  return { view: display(relationName(statement.relation)), concurrent: statement.concurrent === true, guarded, line };
}

async function analyzePlpgsql(fn: FunctionDefinition, bodyLine: number): Promise<RefreshAnalysis | string> {
  const parsed = await parseRoutine(fn.statementSql);
  if (!parsed.ok) return parsed.error.message;
  if (!parsed.value) return "the PL/pgSQL parser found no body";
  const { sites, environment } = await routineSql(parsed.value);
  const analysis: RefreshAnalysis = { uses: [], undetermined: [] };
  for (const site of sites) {
    const line = bodyLine + site.lineInBody - 1;
    if (site.sql !== undefined) {
      for (const statement of await refreshStatements(site.sql)) analysis.uses.push(use(statement, site.guarded, line));
      continue;
    }
    const expression = site.expression === undefined ? undefined : await parseExpression(site.expression);
    const alternatives = expression ? evaluateScalar(expression, environment) : undefined;
    if (!alternatives) {
      analysis.undetermined.push(line);
      continue;
    }
    for (const alternative of alternatives) {
      for (const statement of await refreshStatements(alternative.text)) {
        analysis.uses.push(use(statement, site.guarded || alternative.guarded, line));
      }
    }
  }
  return analysis;
}

async function analyze(fn: FunctionDefinition): Promise<RefreshAnalysis | string> {
  const bodyLine = fn.bodyLine ?? fn.definedAt.line;
  if (fn.language === "plpgsql") return analyzePlpgsql(fn, bodyLine);
  if (fn.language === "sql" && fn.body !== undefined) {
    return { uses: (await refreshStatements(fn.body)).map((statement) => use(statement, false, bodyLine)), undetermined: [] };
  }
  return `it is written in ${fn.language}, which the policy cannot read; write it in plpgsql or sql`;
}

function lines(numbers: number[]): string {
  const unique = [...new Set(numbers)];
  return `line${unique.length === 1 ? "" : "s"} ${unique.join(", ")}`;
}

export async function refreshCoverageFindings(model: SchemaModel, anyMigration: SourceLocation | undefined): Promise<Finding[]> {
  const fn = model.findFunction(REFRESH_FUNCTION.schema, REFRESH_FUNCTION.name);
  const name = `${REFRESH_FUNCTION.schema}.${REFRESH_FUNCTION.name}()`;
  if (!fn) {
    if (!anyMigration) return [];
    return [{ message: `no migration defines ${name}, which the refresh-analytics-views cron job calls; restore the migration that creates it` }];
  }
  const analysis = await analyze(fn);
  if (typeof analysis === "string") {
    return [findingAt(fn.definedAt, `the policy cannot read the body of ${name}: ${analysis}`)];
  }
  const findings: Finding[] = [];
  const unknown = analysis.undetermined.length
    ? ` (The policy could not work out the SQL of the execute statement at ${lines(analysis.undetermined)}: build it from string constants, format(), || and a constant array of view names.)`
    : "";
  for (const view of model.analyticsViews()) {
    const key = display(view.name);
    const uses = analysis.uses.filter((candidate) => candidate.view === key);
    if (!uses.some((candidate) => candidate.concurrent)) {
      findings.push(
        findingAt(
          fn.definedAt,
          `${name} never refreshes ${key} concurrently; once the view is populated refresh it with \`refresh materialized view concurrently ${key}\` (plain only while it is not yet populated), so that readers are not locked out by the 30-minute refresh.${unknown}`,
        ),
      );
      continue;
    }
    for (const plain of uses.filter((candidate) => !candidate.concurrent && !candidate.guarded)) {
      findings.push(
        findingAt(
          { ...fn.definedAt, line: plain.line, column: undefined },
          `${name} refreshes ${key} without \`concurrently\` on every call; keep the plain refresh only in the branch for a view that is not yet populated (pg_class.relispopulated), and refresh it concurrently otherwise`,
        ),
      );
    }
  }
  return findings;
}
