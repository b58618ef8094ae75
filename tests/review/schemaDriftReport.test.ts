// The drift report's lines for the Schema resource: one per difference, as read found them.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { EngineEventCollector, exitCodeFor } from "../../scripts/lib/engineEventReport";
import { formatReportText } from "../../scripts/lib/reportFormat";
import { schemaDriftMessage } from "../../scripts/lib/schemaDriftReport";

const URN = "urn:pulumi:dev::supabase-analytics::supabase-analytics:index:AnalyticsFoundation$pulumi-nodejs:dynamic/postgres:Schema::schema";
const TYPE = "pulumi-nodejs:dynamic/postgres:Schema";
const LINES = [
  "analytics.refresh_runs: row level security is off",
  'analytics.manual_refresh(): body differs: the line "perform analytics.assert_admin(\'analytics.manual_refresh()\');" is missing',
];

function schemaUpdate(live: string[]): EngineEvent[] {
  const state = (drift: string[]) => ({ urn: URN, type: TYPE, custom: true, id: "schema", parent: "", provider: "", inputs: { drift }, outputs: { drift } });
  const metadata = { op: "update", urn: URN, type: TYPE, provider: "", old: state(live), new: { ...state([]), outputs: {} }, diffs: ["drift"] };
  return [{ sequence: 1, timestamp: 0, resourcePreEvent: { metadata } } as unknown as EngineEvent];
}

describe("schema drift in the report", () => {
  test("each difference on its own line under the resource, and what up does", () => {
    const collector = new EngineEventCollector("drift", "dev");
    for (const event of schemaUpdate(LINES)) collector.onEvent(event);
    const report = collector.report();
    expect(report.changes).toEqual([expect.objectContaining({ name: "schema", type: "postgres:Schema", kind: "drifted" })]);
    expect(exitCodeFor(report)).toBe(2);
    expect(formatReportText(report)).toContain(
      [
        "  schema: 2 differences from the migrations:",
        "    - analytics.refresh_runs: row level security is off",
        `    - ${LINES[1]}`,
        "    the next `pulumi up --refresh` puts back what holds no data and refuses the rest, naming it (docs/schema-drift.md)",
      ].join("\n"),
    );
  });

  test("no lines: no sentence of its own (the generic property sentence applies)", () => {
    expect(schemaDriftMessage([])).toBeUndefined();
    expect(schemaDriftMessage(undefined)).toBeUndefined();
  });

  test("a URL with a password in a line is masked", () => {
    expect(schemaDriftMessage(["public.f(): body differs: the line \"select 'postgresql://u:hunter2@h/db'\" is extra"])).not.toContain("hunter2");
  });
});
