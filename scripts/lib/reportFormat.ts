// Renders an EngineReport as terminal text, as Markdown (pull-request comments, job summaries)
// and as JSON (CI annotations). All three say the same thing; values are already masked.
import { EngineReport, exitCodeFor, formatValue, PolicyFinding, ResourceChange } from "./engineEventReport";

const KIND_LABEL: Record<ResourceChange["kind"], string> = {
  drifted: "drifted",
  gone: "gone",
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "provider-upgrade": "provider code",
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function unchangedCount(report: EngineReport): number | undefined {
  return report.summary?.same;
}

export function headline(report: EngineReport): string {
  const subject = report.mode === "drift" ? `Drift check of stack ${report.stack}` : `Preview of stack ${report.stack}`;
  const unchanged = unchangedCount(report);
  const unchangedText = unchanged === undefined ? "" : ` (${plural(unchanged, "resource")} unchanged)`;
  switch (report.status) {
    case "in-sync":
      return `${subject}: in sync${unchangedText}.`;
    case "no-changes":
      return `${subject}: no changes${unchangedText}.`;
    case "drift":
      return `${subject}: ${plural(report.changes.length, "resource")} drifted${unchangedText}.`;
    case "changes":
      return `${subject}: ${plural(report.changes.length, "change")}${unchangedText}.`;
    case "error": {
      const violations = mandatory(report.policies).length;
      const reasons = [report.errors.length > 0 ? plural(report.errors.length, "error") : "", violations > 0 ? plural(violations, "mandatory policy violation") : ""];
      return `${subject}: failed (${reasons.filter(Boolean).join(", ")}).`;
    }
  }
}

function mandatory(policies: PolicyFinding[]): PolicyFinding[] {
  return policies.filter((p) => p.enforcementLevel === "mandatory");
}

function policyLine(finding: PolicyFinding): string {
  const where = finding.resource ? ` on ${finding.resource}` : " on the stack";
  return `[${finding.enforcementLevel}] ${finding.policy}${where}: ${finding.message.replace(/\s*\n\s*/g, " ")}`;
}

function nextStep(report: EngineReport): string | undefined {
  if (report.mode === "drift" && report.changes.length > 0) {
    return (
      `To restore the declared state run \`pulumi up --stack ${report.stack}\` (review its preview first); ` +
      "to keep a live value instead, change the program or the stack config to declare it."
    );
  }
  return undefined;
}

export function formatReportText(report: EngineReport): string {
  const lines = [headline(report)];
  if (report.changes.length > 0) {
    lines.push("");
    for (const change of report.changes) lines.push(`  ${change.name}: ${change.message}`);
  }
  if (report.policies.length > 0) {
    lines.push("", `Policy violations (${report.policies.length}):`);
    for (const finding of report.policies) lines.push(`  ${policyLine(finding)}`);
  }
  for (const [title, messages] of [
    ["Errors", report.errors],
    ["Warnings", report.warnings],
  ] as const) {
    if (messages.length === 0) continue;
    lines.push("", `${title} (${messages.length}):`);
    for (const m of messages) lines.push(`  ${m.resource ? `${m.resource}: ` : ""}${m.message.replace(/\n/g, "\n    ")}`);
  }
  const next = nextStep(report);
  if (next) lines.push("", next);
  return `${lines.join("\n")}\n`;
}

/** A value inside a Markdown table cell: code span, pipes escaped, one line. */
export function markdownCell(text: string): string {
  const oneLine = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  return oneLine.includes("`") ? `\`\` ${oneLine} \`\`` : `\`${oneLine}\``;
}

function markdownText(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function changeRows(report: EngineReport): string[] {
  const liveHeader = report.mode === "drift" ? "Live" : "Current";
  const rows = [`| Resource | Type | Change | Property | ${liveHeader} | Declared |`, "|---|---|---|---|---|---|"];
  for (const change of report.changes) {
    const head = `| ${markdownCell(change.name)} | ${markdownCell(change.type)} | ${KIND_LABEL[change.kind]}`;
    if (change.properties.length === 0) {
      rows.push(`${head} | ${markdownText(change.message)} | | |`);
      continue;
    }
    for (const p of change.properties) {
      const live = p.secret ? "[secret]" : markdownCell(formatValue(p.live));
      const declared = p.secret ? "[secret]" : markdownCell(formatValue(p.declared));
      rows.push(`${head} | ${markdownCell(p.property)} | ${live} | ${declared} |`);
    }
  }
  return rows;
}

export function formatReportMarkdown(report: EngineReport): string {
  const icon = report.status === "error" ? "❌" : report.status === "drift" || report.status === "changes" ? "⚠️" : "✅";
  const lines = [`### ${icon} ${headline(report)}`, ""];
  if (report.changes.length > 0) lines.push(...changeRows(report), "");
  if (report.policies.length > 0) {
    lines.push(`**Policy violations (${report.policies.length})**`, "");
    for (const finding of report.policies) lines.push(`- ${markdownText(policyLine(finding))}`);
    lines.push("");
  }
  for (const [title, messages] of [
    ["Errors", report.errors],
    ["Warnings", report.warnings],
  ] as const) {
    if (messages.length === 0) continue;
    lines.push(`**${title} (${messages.length})**`, "");
    for (const m of messages) {
      const prefix = `- ${m.resource ? `${markdownCell(m.resource)}: ` : ""}`;
      // Multi-line messages (CLI instructions, stack traces) keep their lines in a code block.
      if (m.message.includes("\n")) {
        if (m.resource) lines.push(prefix.trimEnd(), "");
        lines.push("```text", ...m.message.split("\n"), "```", "");
      }
      else lines.push(`${prefix}${markdownText(m.message)}`);
    }
    lines.push("");
  }
  const next = nextStep(report);
  if (next) lines.push(next, "");
  return lines.join("\n");
}

export function formatReportJson(report: EngineReport): string {
  return `${JSON.stringify({ ...report, exitCode: exitCodeFor(report) }, null, 2)}\n`;
}
