// Does analytics.refresh_all_views() refresh every materialized view of schema analytics
// `concurrently` once it is populated?
//
// How: the function's PL/pgSQL body is parsed with libpg_query's PL/pgSQL parser, which yields
// every statement with its line. Static SQL statements are parsed with the SQL parser. For
// `execute <expression>`, the expression is parsed and folded into the strings it can produce
// (./dynamicSql.ts: format(), ||, CASE, constant arrays behind foreach/for loops), and each string
// is parsed in turn. Every `refresh materialized view` found this way is a use: view, concurrent
// or not, and whether it sits on a branch (if/case/handler, or a CASE/alternative inside the
// expression). Functions it calls that the migrations define (found as FuncCall nodes in the
// parse trees of its statements and expressions) are read the same way, transitively.
// The rule: each view has a concurrent use, and no plain use runs on every call. A plain refresh
// inside the "not yet populated" branch is therefore accepted; a plain refresh on the main path,
// or none concurrent at all, is a violation. SQL-language bodies are parsed directly. An
// `execute` whose SQL cannot be worked out is named in the message instead of being guessed at.
import type { RefreshMatViewStmt } from "libpg-query";
import { evaluateScalar } from "./dynamicSql";
import { Finding, findingAt } from "./findings";
import { display, QualifiedName, qualify, relationName, stringList } from "./names";
import { Node, parseExpression, parseRoutine, parseStatements } from "./parser";
import { assignedExpression, RoutineExpression, routineSql } from "./routine";
import type { FunctionDefinition, SchemaModel } from "./schemaModel";

export const REFRESH_FUNCTION = { schema: "analytics", name: "refresh_all_views" };

interface RefreshUse {
  view: string;
  concurrent: boolean;
  guarded: boolean;
  fn: FunctionDefinition;
  line: number;
}

interface FunctionAnalysis {
  uses: RefreshUse[];
  /** Lines of `execute` statements whose SQL the policy could not work out. */
  undetermined: number[];
  calls: QualifiedName[];
}

async function parsedNodes(sql: string): Promise<Node[]> {
  const parsed = await parseStatements(sql);
  return parsed.ok ? parsed.value.map((statement) => statement.node) : [];
}

async function refreshStatements(sql: string): Promise<RefreshMatViewStmt[]> {
  return (await parsedNodes(sql)).flatMap((node) => ("RefreshMatViewStmt" in node ? [node.RefreshMatViewStmt] : []));
}

/** Names of every function called anywhere in a parse tree. */
function calledNames(tree: unknown, found: QualifiedName[] = []): QualifiedName[] {
  if (Array.isArray(tree)) {
    for (const item of tree) calledNames(item, found);
  } else if (typeof tree === "object" && tree !== null) {
    for (const [key, child] of Object.entries(tree)) {
      if (key === "FuncCall" && typeof child === "object" && child !== null) {
        found.push(qualify(stringList((child as { funcname?: Node[] }).funcname)));
      }
      calledNames(child, found);
    }
  }
  return found;
}

async function expressionTree(expression: RoutineExpression): Promise<unknown> {
  if (expression.parseMode === 0) return parsedNodes(expression.query);
  if (expression.parseMode === 3) return assignedExpression(expression.query);
  return parseExpression(expression.query);
}

async function analyzePlpgsql(fn: FunctionDefinition, bodyLine: number): Promise<FunctionAnalysis | string> {
  const parsed = await parseRoutine(fn.statementSql);
  if (!parsed.ok) return parsed.error.message;
  if (!parsed.value) return "the PL/pgSQL parser found no body";
  const { sites, expressions, environment } = await routineSql(parsed.value);
  const analysis: FunctionAnalysis = { uses: [], undetermined: [], calls: [] };
  for (const expression of expressions) calledNames(await expressionTree(expression), analysis.calls);
  const use = (statement: RefreshMatViewStmt, guarded: boolean, line: number): RefreshUse => ({
    view: display(relationName(statement.relation)),
    concurrent: statement.concurrent === true,
    guarded,
    fn,
    line,
  });
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

async function analyzeFunction(fn: FunctionDefinition): Promise<FunctionAnalysis | string> {
  const bodyLine = fn.bodyLine ?? fn.definedAt.line;
  if (fn.language === "plpgsql") return analyzePlpgsql(fn, bodyLine);
  if (fn.language === "sql" && fn.body !== undefined) {
    const nodes = await parsedNodes(fn.body);
    const uses = nodes.flatMap((node) =>
      "RefreshMatViewStmt" in node
        ? [{ view: display(relationName(node.RefreshMatViewStmt.relation)), concurrent: node.RefreshMatViewStmt.concurrent === true, guarded: false, fn, line: bodyLine }]
        : [],
    );
    return { uses, undetermined: [], calls: calledNames(nodes) };
  }
  return `it is written in ${fn.language}, which the policy cannot read; write it in plpgsql or sql`;
}

function functionName(fn: FunctionDefinition): string {
  return `${display(fn.identity)}()`;
}

/** The refresh function and every migration-defined function it calls, transitively. */
async function analyzeCallTree(model: SchemaModel, root: FunctionDefinition): Promise<{ analyses: Map<FunctionDefinition, FunctionAnalysis>; findings: Finding[] }> {
  const analyses = new Map<FunctionDefinition, FunctionAnalysis>();
  const findings: Finding[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const fn = queue.shift() as FunctionDefinition;
    if (analyses.has(fn)) continue;
    const analysis = await analyzeFunction(fn);
    if (typeof analysis === "string") {
      findings.push(findingAt(fn.definedAt, `the policy cannot read the body of ${functionName(fn)}, which ${functionName(root)} runs: ${analysis}`));
      continue;
    }
    analyses.set(fn, analysis);
    for (const call of analysis.calls) {
      const callee = model.findFunction(call.schema, call.name);
      if (callee && !analyses.has(callee)) queue.push(callee);
    }
  }
  return { analyses, findings };
}

function lineList(numbers: number[]): string {
  const unique = [...new Set(numbers)];
  return `line${unique.length === 1 ? "" : "s"} ${unique.join(", ")}`;
}

export async function refreshCoverageFindings(model: SchemaModel, hasMigrations: boolean): Promise<Finding[]> {
  const root = model.findFunction(REFRESH_FUNCTION.schema, REFRESH_FUNCTION.name);
  const rootName = `${REFRESH_FUNCTION.schema}.${REFRESH_FUNCTION.name}()`;
  if (!root) {
    return hasMigrations ? [{ message: `no migration defines ${rootName}, which the refresh-analytics-views cron job calls; restore the migration that creates it` }] : [];
  }
  const { analyses, findings } = await analyzeCallTree(model, root);
  const uses = [...analyses.values()].flatMap((analysis) => analysis.uses);
  const undetermined = [...analyses.entries()].filter(([, analysis]) => analysis.undetermined.length > 0);
  const callees = [...analyses.keys()].filter((fn) => fn !== root).map(functionName);
  const subject = callees.length ? `${rootName} (with ${callees.join(", ")}, which it calls)` : rootName;
  const unknown = undetermined.length
    ? ` The policy could not work out the SQL of execute statements in ${undetermined
        .map(([fn, analysis]) => `${functionName(fn)} at ${fn.definedAt.migration.file} ${lineList(analysis.undetermined)}`)
        .join("; ")}: build them from string constants, format(), || and a constant array of view names.`
    : "";
  for (const view of model.analyticsViews()) {
    const key = display(view.name);
    const viewUses = uses.filter((candidate) => candidate.view === key);
    if (!viewUses.some((candidate) => candidate.concurrent)) {
      findings.push(
        findingAt(
          root.definedAt,
          `${subject} never refreshes ${key} concurrently; once the view is populated refresh it with \`refresh materialized view concurrently ${key}\` (plain only while it is not yet populated), so that readers are not locked out by the 30-minute refresh.${unknown}`,
        ),
      );
      continue;
    }
    for (const plain of viewUses.filter((candidate) => !candidate.concurrent && !candidate.guarded)) {
      findings.push(
        findingAt(
          { migration: plain.fn.definedAt.migration, line: plain.line },
          `${functionName(plain.fn)} refreshes ${key} without \`concurrently\` on every call of ${rootName}; keep the plain refresh only in the branch for a view that is not yet populated (pg_class.relispopulated), and refresh it concurrently otherwise`,
        ),
      );
    }
  }
  return findings;
}
