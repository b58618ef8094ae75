// The pack under Pulumi's own policy runtime, driven through the Analyzer gRPC service the way the
// engine drives it during `pulumi preview --policy-pack policy`: the pack loads (ts-node compiles
// policy/index.ts with policy/tsconfig.json), describes its policies, and reports through the wire.
import { policies } from "../../policy/policies";
import { AnalyzerProcess, AnalyzeResult } from "../../tools/engine/analyzerProcess";
import { compliantStack, urnOf, withInputs } from "./stackFixture";

const MANDATORY = 1;

let analyzer: AnalyzerProcess;

beforeAll(async () => {
  analyzer = await AnalyzerProcess.start();
}, 240_000);

afterAll(() => analyzer?.stop());

function stackDiagnostics(result: AnalyzeResult) {
  return result.diagnosticsList.map((diagnostic) => ({ policy: diagnostic.policyname, message: diagnostic.message, urn: diagnostic.urn }));
}

describe("the pack under Pulumi's policy runtime", () => {
  it("describes the ten policies, mandatory, with their config schemas", async () => {
    const info = (await analyzer.getAnalyzerInfo()) as {
      name: string;
      version: string;
      policiesList: Array<{ name: string; enforcementlevel: number; configschema?: { properties?: { fieldsMap: Array<[string, unknown]> } } }>;
    };
    expect(info.name).toBe("supabase-analytics");
    expect(info.version).toBe("0.1.0");
    expect(info.policiesList.map((policy) => policy.name)).toEqual(policies.map((policy) => policy.name));
    expect(info.policiesList.every((policy) => policy.enforcementlevel === MANDATORY)).toBe(true);
    const schemaKeys = (name: string) => info.policiesList.find((policy) => policy.name === name)?.configschema?.properties?.fieldsMap.map(([key]) => key);
    expect(schemaKeys("supabase-analytics-refresh-schedule")).toEqual(["schedule"]);
    expect(schemaKeys("supabase-analytics-admin-grants")).toEqual(["grants"]);
    expect(schemaKeys("supabase-analytics-auth-hook-registered")?.sort()).toEqual(["hookGrants", "hookUri"]);
  });

  it("finds nothing in the compliant stack", async () => {
    const result = await analyzer.analyzeStack(compliantStack());
    expect(stackDiagnostics(result)).toEqual([]);
    expect(result.notApplicableList.map((entry) => entry.policyName)).toContain("supabase-analytics-production-protection");
  });

  it("reports a */60 schedule on the CronJob", async () => {
    const resources = withInputs(compliantStack(), "cron-refresh-analytics-views", { schedule: "*/60 * * * *" });
    expect(stackDiagnostics(await analyzer.analyzeStack(resources))).toEqual([
      {
        policy: "supabase-analytics-refresh-schedule",
        urn: urnOf(resources, "cron-refresh-analytics-views"),
        message: expect.stringContaining('has schedule "*/60 * * * *"; set it to "*/30 * * * *"'),
      },
    ]);
  });

  it("reports a Grant to anon when the engine analyzes that resource", async () => {
    const grant = withInputs(compliantStack(), "grant-authenticated-analytics.manual_refresh", { role: "anon" }).find(
      (resource) => resource.name === "grant-authenticated-analytics.manual_refresh",
    )!;
    const result = await analyzer.analyze(grant);
    // For a resource analysis the engine attaches the diagnostic to the resource it asked about;
    // the SDK puts the policy's description above the message.
    expect(result.diagnosticsList.map((diagnostic) => [diagnostic.policyname, diagnostic.message])).toEqual([
      [
        "supabase-analytics-no-anonymous-access",
        expect.stringContaining('.\nGrant "grant-authenticated-analytics.manual_refresh" grants execute on analytics.manual_refresh() to anon, opening schema analytics'),
      ],
    ]);
  });

  it("takes a grant list from --policy-pack-config: an organisation's extra grant is required", async () => {
    const grants = [{ role: "authenticated", privilege: "execute", objectType: "function", object: "analytics.get_new_report()" }];
    await analyzer.configure({ "supabase-analytics-admin-grants": { grants } });
    try {
      const result = await analyzer.analyzeStack(compliantStack());
      expect(stackDiagnostics(result).map((diagnostic) => [diagnostic.policy, diagnostic.message])).toEqual([
        ["supabase-analytics-admin-grants", expect.stringContaining("Missing Grant for `grant execute on function analytics.get_new_report() to authenticated`")],
      ]);
    } finally {
      await analyzer.configure({});
    }
  });

  it("takes the schedule from --policy-pack-config, and falls back to */30 without it", async () => {
    await analyzer.configure({ "supabase-analytics-refresh-schedule": { schedule: "*/15 * * * *" } });
    try {
      const result = await analyzer.analyzeStack(compliantStack());
      expect(stackDiagnostics(result).map((diagnostic) => diagnostic.message)).toEqual([expect.stringContaining('set it to "*/15 * * * *"')]);
    } finally {
      await analyzer.configure({});
    }
    expect(stackDiagnostics(await analyzer.analyzeStack(compliantStack()))).toEqual([]);
  });
});
