import { ALL_GRANTS } from "../../infra/adminSurface";
import { adminGrantsPolicy } from "../../policy/policies/adminGrants";
import { ADMIN_GRANTS } from "../../policy/requirements";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, compliantStack, withInputs } from "./stackFixture";

describe("supabase-analytics-admin-grants", () => {
  it("accepts the stack's Grants for the whole declared surface", async () => {
    expect(messages(await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack())))).toEqual([]);
  });

  it("reports a missing manual_refresh grant, naming the grant and where to declare it", async () => {
    const grants = ALL_GRANTS.filter((grant) => grant.object !== "analytics.manual_refresh()");
    const run = await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack({ grants })));
    expect(messages(run)).toEqual([
      'Missing Grant for `grant execute on function analytics.manual_refresh() to authenticated` (required by the policy\'s "grants" config); declare it in the program\'s admin grant list so the stack creates it, or remove it from the pack\'s config if the admin surface changed on purpose.',
    ]);
  });

  it("reports a hook grant that grants the wrong privilege", async () => {
    const resources = withInputs(compliantStack(), "grant-supabase_auth_admin-public.user_roles", { privilege: "insert" });
    expect(messages(await runPolicy(adminGrantsPolicy, asPolicyResources(resources)))).toEqual([
      expect.stringContaining("Missing Grant for `grant select on table public.user_roles to supabase_auth_admin`"),
    ]);
  });

  it("still expects an entry that was deleted from the program's declaration, and says so", async () => {
    const grants = ALL_GRANTS.filter((grant) => grant.object !== "analytics.get_popular_tracks()");
    const run = await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack({ grants })));
    expect(messages(run)).toEqual([expect.stringContaining("`grant execute on function analytics.get_popular_tracks() to authenticated`")]);
  });

  it("takes the list from its config: an organisation's extra grant is required, a dropped one is not", async () => {
    const extra = { role: "authenticated", privilege: "execute", objectType: "function", object: "analytics.get_new_report()" };
    const tuned = [...ADMIN_GRANTS.filter((grant) => grant.object !== "analytics.get_summary_stats()"), extra];
    const grants = ALL_GRANTS.filter((grant) => grant.object !== "analytics.get_summary_stats()");
    const run = await runPolicy(adminGrantsPolicy, asPolicyResources(compliantStack({ grants })), { grants: tuned });
    expect(messages(run)).toEqual([expect.stringContaining("`grant execute on function analytics.get_new_report() to authenticated`")]);
  });
});
