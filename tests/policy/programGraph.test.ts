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

  it("catches the program dropping a grant: the pack's expectations are its own, not the program's", async () => {
    // The program's declaration loses one grant; the pack (which imports nothing from infra/) still expects it.
    let registered: Awaited<ReturnType<typeof registerProgram>> = [];
    await jest.isolateModulesAsync(async () => {
      const actual = jest.requireActual<typeof import("../../infra/adminSurface")>("../../infra/adminSurface");
      const dropped = (grants: readonly { object: string }[]) => grants.filter((grant) => grant.object !== "analytics.get_popular_tracks()");
      jest.doMock("../../infra/adminSurface", () => ({ ...actual, ADMIN_GRANTS: dropped(actual.ADMIN_GRANTS), ALL_GRANTS: dropped(actual.ALL_GRANTS) }));
      const { registerProgram: registerDroppingProgram } = jest.requireActual<typeof import("../support/mockProgram")>("../support/mockProgram");
      registered = await registerDroppingProgram({ stack: "dev" });
    });
    const grants = registered.filter((resource) => resource.type === "pulumi-nodejs:dynamic/postgres:Grant");
    expect(grants.map((grant) => grant.name)).not.toContain("grant-authenticated-analytics.get_popular_tracks");
    expect(grants).toHaveLength(12);
    const run = await runPack(policies, toPolicyResources(registered));
    expect(messages(run)).toEqual([expect.stringContaining("Missing Grant for `grant execute on function analytics.get_popular_tracks() to authenticated`")]);
  });

  it("reports the program's graph once a policy-relevant setting is off (the test can fail)", async () => {
    const registered = await registerProgram({ stack: "dev", config: { refreshSchedule: "*/60 * * * *" } });
    const run = await runPack(policies, toPolicyResources(registered));
    expect(messages(run)).toEqual([expect.stringContaining('has schedule "*/60 * * * *"; set it to "*/30 * * * *"')]);
  });
});
