// The whole pack against the resource graph the real program registers under Pulumi mocks
// (tests/support/mockProgram.ts), for the dev, prod and local stacks: nothing to report.
import { policies } from "../../policy/policies";
import { registerProgram } from "../support/mockProgram";
import { messages, runPack } from "./policyHarness";
import { toPolicyResources } from "./registeredResources";

describe("the policy pack on the program's resource graph", () => {
  it.each([
    ["dev", ["supabase-analytics-production-protection"]],
    ["prod", []],
    ["local", ["supabase-analytics-auth-hook-registered", "supabase-analytics-production-protection"]],
  ])("finds nothing to report on stack %s", async (stack, notApplicable) => {
    const registered = await registerProgram({ stack });
    const resources = toPolicyResources(registered);
    expect(resources.map((resource) => resource.type)).toEqual(expect.arrayContaining(["pulumi-nodejs:dynamic/postgres:Migration", "pulumi-nodejs:dynamic/postgres:CronJob"]));
    const run = await runPack(policies, resources);
    expect(messages(run)).toEqual([]);
    expect(run.notApplicable.map((reason) => reason.split(":")[0])).toEqual(notApplicable);
  });

  it("reports the program's graph once a policy-relevant setting is off (the test can fail)", async () => {
    const registered = await registerProgram({ stack: "dev", config: { refreshSchedule: "*/60 * * * *" } });
    const run = await runPack(policies, toPolicyResources(registered));
    expect(messages(run)).toEqual([expect.stringContaining('has schedule "*/60 * * * *"; set it to "*/30 * * * *"')]);
  });
});
