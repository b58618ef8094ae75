import { authHookRegisteredPolicy } from "../../policy/policies/authHookRegistered";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, changed, compliantStack, realMigrations, Target, urnOf, withInputs } from "./stackFixture";

const HOOK = "auth-hook-custom-access-token";
const NEWEST_MIGRATION = `migration-${realMigrations()[realMigrations().length - 1].version}`;
const run = (resources = compliantStack()) => runPolicy(authHookRegisteredPolicy, asPolicyResources(resources));

function withoutDependency(name: string) {
  const stack = compliantStack();
  const dependency = urnOf(stack, name);
  return changed(stack, HOOK, (hook) => {
    hook.dependencies = hook.dependencies.filter((urn) => urn !== dependency);
  });
}

describe("supabase-analytics-auth-hook-registered", () => {
  it.each<Target>(["supabase", "supabase-existing"])("accepts the registered hook on target %s", async (target) => {
    expect(messages(await run(compliantStack({ target })))).toEqual([]);
  });

  it("does not apply without a Supabase Project (target postgres)", async () => {
    const result = await run(compliantStack({ stack: "local", target: "postgres" }));
    expect(result.violations).toEqual([]);
    expect(result.notApplicable).toEqual([expect.stringContaining("no Supabase Project in this stack (target postgres)")]);
  });

  it("reports a hook pointing elsewhere, on the AuthHook", async () => {
    const resources = withInputs(compliantStack(), HOOK, { uri: "pg-functions://postgres/public/other_hook" });
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, HOOK),
        message: 'AuthHook "auth-hook-custom-access-token" points at "pg-functions://postgres/public/other_hook"; set uri to "pg-functions://postgres/public/custom_access_token_hook".',
      }),
    ]);
  });

  it("reports a disabled hook", async () => {
    const resources = withInputs(compliantStack(), HOOK, { enabled: false });
    expect(messages(await run(resources))).toEqual(['AuthHook "auth-hook-custom-access-token" is not enabled (enabled: false); set enabled: true.']);
  });

  it("reports a hook registered without waiting for the newest migration", async () => {
    expect(messages(await run(withoutDependency(NEWEST_MIGRATION)))).toEqual([
      `AuthHook "auth-hook-custom-access-token" does not depend on Migration "${NEWEST_MIGRATION}", the newest migration; add it to dependsOn, or the hook can be registered before its function exists in its final form and every login fails.`,
    ]);
  });

  it("reports a hook that waits for an older migration only (a later one may re-create the function)", async () => {
    const older = `migration-${realMigrations()[2].version}`;
    const stack = withoutDependency(NEWEST_MIGRATION);
    const olderUrn = urnOf(stack, older);
    const resources = changed(stack, HOOK, (hook) => {
      hook.dependencies = [...hook.dependencies, olderUrn];
    });
    expect(messages(await run(resources))).toEqual([expect.stringContaining(`does not depend on Migration "${NEWEST_MIGRATION}", the newest migration`)]);
  });

  it("reports a Supabase stack with no migration at all", async () => {
    expect(messages(await run(compliantStack({ migrations: [] })))).toEqual([
      'AuthHook "auth-hook-custom-access-token": the stack has no Migration, so nothing creates the hook function; add the migrations of sql/migrations.',
    ]);
  });

  it("reports a hook registered without waiting for its execute grant", async () => {
    expect(messages(await run(withoutDependency("grant-supabase_auth_admin-public.custom_access_token_hook")))).toEqual([
      'AuthHook "auth-hook-custom-access-token" does not depend on Grant "grant-supabase_auth_admin-public.custom_access_token_hook" (execute on public.custom_access_token_hook(jsonb) to supabase_auth_admin); add it to dependsOn, or the auth server cannot run the hook when it is switched on.',
    ]);
  });

  it("takes the URI and the grants from its config", async () => {
    const config = {
      hookUri: "pg-functions://postgres/auth_hooks/custom_access_token_hook",
      hookGrants: [{ role: "supabase_auth_admin", privilege: "usage", objectType: "schema", object: "auth_hooks" }],
    };
    expect(messages(await runPolicy(authHookRegisteredPolicy, asPolicyResources(compliantStack()), config))).toEqual([
      'AuthHook "auth-hook-custom-access-token" points at "pg-functions://postgres/public/custom_access_token_hook"; set uri to "pg-functions://postgres/auth_hooks/custom_access_token_hook".',
      'AuthHook "auth-hook-custom-access-token" does not depend on a Grant for `grant usage on schema auth_hooks to supabase_auth_admin`; add it to dependsOn, or the auth server cannot run the hook when it is switched on.',
    ]);
  });

  it("reports a Supabase stack without the hook", async () => {
    const result = await run(changed(compliantStack(), HOOK, () => null));
    expect(messages(result)).toEqual([expect.stringContaining('The stack has a Supabase Project but no AuthHook "custom_access_token"')]);
  });
});
