import { noAnonymousAccessPolicy } from "../../policy/policies/noAnonymousAccess";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, compliantStack, urnOf, withInputs } from "./stackFixture";

const run = (resources = compliantStack()) => runPolicy(noAnonymousAccessPolicy, asPolicyResources(resources));

describe("supabase-analytics-no-anonymous-access", () => {
  it("accepts the declared grants", async () => {
    expect(messages(await run())).toEqual([]);
  });

  it("reports a grant to anon on an analytics admin function, on that Grant", async () => {
    const resources = withInputs(compliantStack(), "grant-authenticated-analytics.get_summary_stats", { role: "anon" });
    const result = await run(resources);
    expect(result.violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, "grant-authenticated-analytics.get_summary_stats"),
        message:
          'Grant "grant-authenticated-analytics.get_summary_stats" grants execute on analytics.get_summary_stats() to anon, opening schema analytics, which only admins reach; remove this Grant.',
      }),
    ]);
  });

  it("reports usage on schema analytics to public, whatever the case of the role", async () => {
    const resources = withInputs(compliantStack(), "grant-authenticated-analytics", { role: "PUBLIC" });
    expect(messages(await run(resources))).toEqual([expect.stringMatching(/^Grant "grant-authenticated-analytics" grants usage on analytics to public, .*remove this Grant\.$/)]);
  });

  it("reports execute on the hook to anon", async () => {
    const resources = withInputs(compliantStack(), "grant-supabase_auth_admin-public.custom_access_token_hook", { role: "anon" });
    expect(messages(await run(resources))).toEqual([expect.stringContaining("opening the auth hook, which only supabase_auth_admin may execute; remove this Grant.")]);
  });

  it("reports select on an analytics view to authenticated", async () => {
    const resources = withInputs(compliantStack(), "grant-supabase_auth_admin-public.user_roles", {
      role: "authenticated",
      privilege: "select",
      objectType: "table",
      object: "analytics.summary_stats",
    });
    expect(messages(await run(resources))).toEqual([expect.stringContaining("grants select on analytics.summary_stats to authenticated; remove it: authenticated users read analytics only through the admin functions")]);
  });

  it("leaves grants outside analytics and the hook alone", async () => {
    const resources = withInputs(compliantStack(), "grant-supabase_auth_admin-public.user_roles", { role: "anon", object: "public.tracks" });
    expect(messages(await run(resources))).toEqual([]);
  });
});
