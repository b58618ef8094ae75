// public.custom_access_token_hook: run as the auth server runs it (supabase_auth_admin, after
// the stack's HOOK_GRANTS), it sets claims.user_role from public.user_roles and keeps every
// other claim and field of the event; anon and authenticated cannot execute it.
import { Client } from "pg";
import { grantStatement, HOOK_GRANTS } from "../../infra/adminSurface";
import { applyGrants, applyMigrations } from "../support/applySql";
import { createFreshDatabase, FreshDatabase } from "../support/db";
import { ADMIN_USER_ID, asCaller, attempt, Caller, MEMBER_USER_ID, NO_ROLE_USER_ID } from "../support/securityMatrix";

type HookEvent = { user_id: string; claims: Record<string, unknown>; authentication_method: string };

/** An event shaped like the one the auth server sends (Supabase docs, custom access token hook). */
function eventFor(userId: string, extraClaims: Record<string, unknown> = {}): HookEvent {
  return {
    user_id: userId,
    claims: {
      aud: "authenticated",
      exp: 1769600000,
      iat: 1769596400,
      iss: "https://project.supabase.co/auth/v1",
      sub: userId,
      email: `${userId}@example.test`,
      phone: "",
      app_metadata: { provider: "email", providers: ["email"] },
      user_metadata: { display_name: "Ada" },
      role: "authenticated",
      aal: "aal1",
      amr: [{ method: "password", timestamp: 1769596400 }],
      session_id: "5d6c1c3e-2f0a-4b8e-8f7e-6a1b2c3d4e5f",
      is_anonymous: false,
      ...extraClaims,
    },
    authentication_method: "password",
  };
}

async function runHookAsAuthServer(client: Client, event: HookEvent): Promise<HookEvent> {
  return asCaller(client, "supabase_auth_admin", async (c) => {
    const { rows } = await c.query<{ result: HookEvent }>("select public.custom_access_token_hook($1::jsonb) as result", [JSON.stringify(event)]);
    return rows[0].result;
  });
}

describe("custom_access_token_hook", () => {
  let db: FreshDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createFreshDatabase("hook");
    await applyMigrations(db.url);
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query("insert into auth.users (id) values ($1), ($2), ($3)", [ADMIN_USER_ID, MEMBER_USER_ID, NO_ROLE_USER_ID]);
    await client.query("insert into public.user_roles (user_id, role) values ($1, 'admin'), ($2, 'member')", [ADMIN_USER_ID, MEMBER_USER_ID]);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("is not executable by supabase_auth_admin until the stack's hook grants are applied", async () => {
    const result = await attempt(client, "supabase_auth_admin", "select public.custom_access_token_hook($1::jsonb)", [JSON.stringify(eventFor(ADMIN_USER_ID))]);
    expect(result).toMatchObject({ ok: false, code: "42501" });
    await applyGrants(db.url);
    expect(HOOK_GRANTS.map(grantStatement)).toEqual([
      "grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin",
      "grant select on table public.user_roles to supabase_auth_admin",
    ]);
  });

  it.each([
    ["an admin", ADMIN_USER_ID, "admin"],
    ["a member", MEMBER_USER_ID, "member"],
    ["a user without a role", NO_ROLE_USER_ID, null],
  ])("gives %s (user %s) user_role %p and keeps every other claim and field", async (_who, userId, role) => {
    const event = eventFor(userId);
    const result = await runHookAsAuthServer(client, event);
    expect(result).toEqual({ ...event, claims: { ...event.claims, user_role: role } });
  });

  it("overwrites a user_role claim that arrives in the event", async () => {
    const member = eventFor(MEMBER_USER_ID, { user_role: "admin" });
    expect((await runHookAsAuthServer(client, member)).claims.user_role).toBe("member");
    const nobody = eventFor(NO_ROLE_USER_ID, { user_role: "admin" });
    expect((await runHookAsAuthServer(client, nobody)).claims.user_role).toBeNull();
  });

  it.each<Caller>(["anon", "authenticated, no role", "member", "admin"])("cannot be executed by %s", async (caller) => {
    const result = await attempt(client, caller, "select public.custom_access_token_hook($1::jsonb)", [JSON.stringify(eventFor(ADMIN_USER_ID))]);
    expect(result).toMatchObject({ ok: false, code: "42501" });
    if (!result.ok) expect(result.message).toBe("permission denied for function custom_access_token_hook");
  });

  it("reads public.user_roles through its row level security policy, as supabase_auth_admin", async () => {
    const { rows } = await client.query<{ policy: string; roles: string[]; command: string }>(`
      select polname as policy, polroles::regrole[]::text[] as roles, polcmd as command
        from pg_catalog.pg_policy where polrelid = 'public.user_roles'::regclass`);
    expect(rows).toEqual([{ policy: "auth admin reads user roles", roles: ["supabase_auth_admin"], command: "r" }]);
    const relation = await client.query<{ rls: boolean; security_definer: boolean }>(`
      select (select relrowsecurity from pg_catalog.pg_class where oid = 'public.user_roles'::regclass) as rls,
             (select prosecdef from pg_catalog.pg_proc where oid = 'public.custom_access_token_hook(jsonb)'::regprocedure) as security_definer`);
    expect(relation.rows[0]).toEqual({ rls: true, security_definer: false });
  });
});
