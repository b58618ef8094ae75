// The compliant fixture (the contract's graph, built from infra/adminSurface.ts and the real
// migration files) passes every policy of the pack, for every target and for a production stack.
import { policies } from "../../policy/policies";
import { messages, runPack } from "./policyHarness";
import { UNKNOWN_STRING } from "./registeredResources";
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

  it("runs during the preview of a new stack, when the values the Project computes are unknown", async () => {
    const resources = compliantStack().map((resource) => {
      const inputs = { ...resource.inputs };
      for (const prop of ["connection", "projectRef"]) if (prop in inputs) inputs[prop] = UNKNOWN_STRING;
      return { ...resource, inputs };
    });
    expect(resources.filter((resource) => resource.inputs.connection === UNKNOWN_STRING)).toHaveLength(27); // extension, 12 migrations, 13 grants, the job
    expect(messages(await runPack(policies, asPolicyResources(resources)))).toEqual([]);
  });
});
