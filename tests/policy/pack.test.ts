// The compliant fixture (the contract's graph, built from infra/adminSurface.ts and the real
// migration files) passes every policy of the pack, for every target and for a production stack.
import { policies } from "../../policy/policies";
import { messages, runPack } from "./policyHarness";
import { asPolicyResources, compliantStack, Target } from "./stackFixture";

describe("the compliant fixture", () => {
  it.each<[string, Target]>([
    ["dev", "supabase"],
    ["staging", "supabase-existing"],
    ["local", "postgres"],
    ["prod", "supabase"],
  ])("passes every policy on stack %s (target %s)", async (stack, target) => {
    const run = await runPack(policies, asPolicyResources(compliantStack({ stack, target })));
    expect(messages(run)).toEqual([]);
  });

  it("says which policies do not apply, and why", async () => {
    const local = await runPack(policies, asPolicyResources(compliantStack({ stack: "local", target: "postgres" })));
    expect(local.notApplicable).toEqual([
      expect.stringMatching(/^supabase-analytics-auth-hook-registered: no Supabase Project in this stack/),
      expect.stringMatching(/^supabase-analytics-production-protection: stack "local" is not a production stack/),
    ]);
    const prod = await runPack(policies, asPolicyResources(compliantStack({ stack: "prod" })));
    expect(prod.notApplicable).toEqual([]);
  });
});
