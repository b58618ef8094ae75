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

  const HOOK_MIGRATION = realMigrations().find((file) => /create or replace function public\.custom_access_token_hook\(/.test(file.sql));
  if (!HOOK_MIGRATION) throw new Error("no migration file creates public.custom_access_token_hook");
  const WAITS_FOR_HOOK_MIGRATION = `does not wait for Migration "migration-${HOOK_MIGRATION.version}", the newest migration that creates public.custom_access_token_hook`;

  /** The stack with the hook waiting only for the project and the named resources. */
  function hookWaitingFor(names: string[], stack = compliantStack()) {
    const project = urnOf(stack, "project");
    const urns = names.map((name) => urnOf(stack, name));
    return changed(stack, HOOK, (hook) => {
      hook.dependencies = [project, ...urns];
    });
  }

  it("accepts a hook that waits for its function's migration directly, with its grants", async () => {
    const grants = ["grant-supabase_auth_admin-public.custom_access_token_hook", "grant-supabase_auth_admin-public.user_roles"];
    expect(messages(await run(hookWaitingFor([`migration-${HOOK_MIGRATION.version}`, ...grants])))).toEqual([]);
  });

  it("accepts a hook that waits for its function's migration through the chain's newest link only", async () => {
    const grants = ["grant-supabase_auth_admin-public.custom_access_token_hook", "grant-supabase_auth_admin-public.user_roles"];
    expect(messages(await run(hookWaitingFor([NEWEST_MIGRATION, ...grants])))).toEqual([]);
  });

  it("reports a hook that waits only for a migration older than the one creating its function", async () => {
    const older = realMigrations().filter((file) => file.version < HOOK_MIGRATION.version);
    const result = messages(await run(hookWaitingFor([`migration-${older[older.length - 1].version}`])));
    expect(result).toEqual(expect.arrayContaining([expect.stringContaining(WAITS_FOR_HOOK_MIGRATION)]));
  });

  it("reports a hook that does not wait for a later migration which re-creates its function", async () => {
    const recreating = {
      ...HOOK_MIGRATION,
      version: "20991231000000",
      name: "hook_again",
      file: "sql/migrations/20991231000000_hook_again.sql",
      sql: "create or replace function public.custom_access_token_hook(event jsonb) returns jsonb language sql set search_path = '' as $$ select event $$;",
    };
    const stack = compliantStack({ migrations: [...realMigrations(), recreating] });
    const result = messages(await run(hookWaitingFor([`migration-${HOOK_MIGRATION.version}`], stack)));
    expect(result).toEqual(
      expect.arrayContaining([expect.stringContaining('does not wait for Migration "migration-20991231000000", the newest migration that creates public.custom_access_token_hook')]),
    );
  });

  it("reports a Supabase stack with no migration at all", async () => {
    expect(messages(await run(compliantStack({ migrations: [] })))).toEqual([
      'AuthHook "auth-hook-custom-access-token": no Migration in the stack creates public.custom_access_token_hook; add the migrations of sql/migrations.',
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
      'AuthHook "auth-hook-custom-access-token": no Migration in the stack creates auth_hooks.custom_access_token_hook; add the migrations of sql/migrations.',
      'AuthHook "auth-hook-custom-access-token" does not depend on a Grant for `grant usage on schema auth_hooks to supabase_auth_admin`; add it to dependsOn, or the auth server cannot run the hook when it is switched on.',
    ]);
  });

  it("reports a Supabase stack without the hook", async () => {
    const result = await run(changed(compliantStack(), HOOK, () => null));
    expect(messages(result)).toEqual([expect.stringContaining('The stack has a Supabase Project but no AuthHook "custom_access_token"')]);
  });
});
