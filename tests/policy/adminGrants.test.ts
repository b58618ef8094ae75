import { ALL_GRANTS } from "../../infra/adminSurface";
import { adminGrantsPolicy, expectedGrants, REQUIRED_GRANTS } from "../../policy/policies/adminGrants";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, compliantStack, withInputs } from "./stackFixture";

const key = (grant: { role: string; privilege: string; objectType: string; object: string }) => `${grant.privilege} on ${grant.objectType} ${grant.object} to ${grant.role}`;

describe("supabase-analytics-admin-grants", () => {
  it("accepts the stack's Grants for the whole declared surface", async () => {
    expect(messages(await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack())))).toEqual([]);
  });

  it("reports a missing manual_refresh grant, naming the Grant resource and where to declare it", async () => {
    const grants = ALL_GRANTS.filter((grant) => grant.object !== "analytics.manual_refresh()");
    const run = await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack({ grants })));
    expect(messages(run)).toEqual([
      'Missing Grant "grant-authenticated-analytics.manual_refresh" (`grant execute on function analytics.manual_refresh() to authenticated`, required by infra/adminSurface.ts and this policy); add the entry to ADMIN_GRANTS or HOOK_GRANTS in infra/adminSurface.ts so the stack creates it.',
    ]);
  });

  it("reports a hook grant that grants the wrong privilege", async () => {
    const resources = withInputs(compliantStack(), "grant-supabase_auth_admin-public.user_roles", { privilege: "insert" });
    expect(messages(await runPolicy(adminGrantsPolicy, asPolicyResources(resources)))).toEqual([
      expect.stringContaining('Missing Grant "grant-supabase_auth_admin-public.user_roles" (`grant select on table public.user_roles to supabase_auth_admin`'),
    ]);
  });

  it("states the surface independently: the restated list is the declared one, entry for entry", () => {
    expect(REQUIRED_GRANTS.map(key).sort()).toEqual(ALL_GRANTS.map(key).sort());
    expect(REQUIRED_GRANTS).toHaveLength(13);
  });

  it("still expects an entry that was deleted from the declaration, and says so", () => {
    const declared = ALL_GRANTS.filter((grant) => grant.object !== "analytics.get_popular_tracks()");
    const expected = expectedGrants(declared);
    expect(expected.map(key).sort()).toEqual(ALL_GRANTS.map(key).sort());
    expect(expected.find((grant) => grant.object === "analytics.get_popular_tracks()")?.source).toBe("this policy (missing from infra/adminSurface.ts)");
  });

  it("expects an entry that only the declaration has (the stack's list counts too)", () => {
    const extra = { role: "authenticated", privilege: "execute" as const, objectType: "function" as const, object: "analytics.get_new_report()", createdBy: "20260128100010" };
    expect(expectedGrants([...ALL_GRANTS, extra]).find((grant) => grant.object === extra.object)?.source).toBe("infra/adminSurface.ts");
  });
});
