// Renders a MigrationPlan as terminal text and as Markdown for a pull-request comment.
import type { MigrationPlan, MigrationState, PlanEntry } from "./migrationPlan";

/** GitHub refuses comments over 65,536 characters; leave room for the preview beside the plan. */
export const MAX_MARKDOWN_CHARS = 40_000;

const STATE_ORDER: MigrationState[] = ["applied", "pending", "changed-after-apply", "missing-locally", "local-only"];

function counts(plan: MigrationPlan): string {
  const parts = STATE_ORDER.map((state) => [state, plan.entries.filter((e) => e.state === state).length] as const)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`);
  return parts.length > 0 ? parts.join(", ") : "no migrations";
}

function sourceLine(plan: MigrationPlan): string {
  if (plan.source === "database") return `Migration plan against ${plan.database ?? "the database"}: ${counts(plan)}.`;
  const note = plan.note ? `; ${plan.note}` : "";
  return `Migration plan from local files only${note}. ${counts(plan)}.`;
}

/** What a reviewer should know about one entry beyond its state. */
export function entryNote(entry: PlanEntry): string {
  const parse = entry.parseProblem ? `does not parse: ${entry.parseProblem}` : "";
  switch (entry.state) {
    case "pending":
      if (parse) return `${parse}; the deploy fails on it`;
      return entry.outOfOrder
        ? "older than the newest applied version: the deploy refuses it unless allowOutOfOrder is set"
        : "the next `pulumi up` applies it";
    case "changed-after-apply":
      return (
        `recorded statements have checksum ${entry.recordedChecksum}, the file's ${entry.contentChecksum ?? "(unparsable)"}; ` +
        "applied migrations are immutable: restore the file and put the change in a new migration"
      );
    case "missing-locally":
      return "recorded in the database but not in sql/migrations: restore the file from git history";
    case "applied":
      return entry.recordedWithoutStatements ? "recorded without statements: the next `pulumi up` adopts it and records them" : "";
    case "local-only":
      return parse;
  }
}

export function formatPlanText(plan: MigrationPlan): string {
  const rows = plan.entries.map((e) => [e.version, e.name, e.state, e.checksum]);
  const header = ["VERSION", "NAME", "STATE", "CHECKSUM (sha256)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`.trimEnd();
  const lines = [sourceLine(plan), "", line(header), ...rows.map(line)];
  const notes = plan.entries.filter((e) => entryNote(e) !== "");
  if (notes.length > 0) {
    lines.push("");
    for (const e of notes) lines.push(`  ${e.version} ${e.state}: ${entryNote(e)}`);
  }
  for (const e of plan.entries.filter((entry) => entry.state === "pending")) {
    lines.push("", `-- ${e.file ?? `${e.version}_${e.name}.sql`} (pending, sha256 ${e.checksum})`, (e.sql ?? "").trimEnd());
  }
  return `${lines.join("\n")}\n`;
}

/** A fence longer than any backtick run inside the SQL, so the block cannot end early. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(longest + 1);
}

function markdownTable(plan: MigrationPlan): string[] {
  const rows = ["| Version | Name | State | Checksum (sha256) | Note |", "|---|---|---|---|---|"];
  for (const e of plan.entries) {
    rows.push(`| \`${e.version}\` | \`${e.name}\` | ${e.state} | \`${e.checksum}\` | ${entryNote(e).replace(/\|/g, "\\|")} |`);
  }
  return rows;
}

function pendingTitle(entry: PlanEntry): string {
  return `${entry.file ?? `${entry.version}_${entry.name}.sql`} (pending)`;
}

function sqlBlock(entry: PlanEntry): string[] {
  const sql = (entry.sql ?? "").trimEnd();
  const fence = fenceFor(sql);
  return [`<details><summary>${pendingTitle(entry)}</summary>`, "", `${fence}sql`, sql, fence, "", "</details>", ""];
}

function leftOut(entry: PlanEntry): string {
  return `- ${pendingTitle(entry)}: SQL left out to keep this comment under GitHub's size limit; see the job log or the file`;
}

function renderMarkdown(plan: MigrationPlan, pending: string[]): string {
  const icon = plan.entries.some((e) => e.state === "changed-after-apply" || e.state === "missing-locally") ? "❌" : "📋";
  const lines = [`### ${icon} ${sourceLine(plan)}`, "", ...markdownTable(plan), ""];
  if (pending.length > 0) lines.push("**Pending migrations**", "", ...pending);
  return `${lines.join("\n").trimEnd()}\n`;
}

/**
 * The table, then the SQL of each pending migration in a collapsible block, in version order,
 * as long as the whole stays within maxChars; the pending files after that are only named.
 */
export function formatPlanMarkdown(plan: MigrationPlan, maxChars = MAX_MARKDOWN_CHARS): string {
  const pendingEntries = plan.entries.filter((e) => e.state === "pending");
  const shown: string[] = [];
  for (const [index, entry] of pendingEntries.entries()) {
    const rest = pendingEntries.slice(index + 1).map(leftOut);
    if (renderMarkdown(plan, [...shown, ...sqlBlock(entry), ...rest]).length > maxChars) {
      return renderMarkdown(plan, [...shown, ...pendingEntries.slice(index).map(leftOut)]);
    }
    shown.push(...sqlBlock(entry));
  }
  return renderMarkdown(plan, shown);
}
