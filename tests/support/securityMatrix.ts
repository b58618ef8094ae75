// Simulates the callers the database sees behind Supabase: PostgREST requests (role anon or
// authenticated, with the JWT claims in request.jwt.claims, per transaction) and the auth
// server (supabase_auth_admin). Each attempt runs in its own transaction, rolled back.
import { Client, CustomTypesConfig } from "pg";

export type Caller = "anon" | "authenticated, no role" | "member" | "admin" | "supabase_auth_admin";

export interface CallerIdentity {
  /** The database role PostgREST (or the auth server) runs the query as. */
  role: string;
  /** The JWT claims PostgREST puts in request.jwt.claims; null when there is no request. */
  claims: Record<string, unknown> | null;
}

export const ADMIN_USER_ID = "0b6f8c3e-5a41-4d2e-9f60-1c7a2b3d4e01";
export const MEMBER_USER_ID = "0b6f8c3e-5a41-4d2e-9f60-1c7a2b3d4e02";
export const NO_ROLE_USER_ID = "0b6f8c3e-5a41-4d2e-9f60-1c7a2b3d4e03";

function authenticatedClaims(sub: string, userRole: string | null): Record<string, unknown> {
  return { sub, role: "authenticated", aud: "authenticated", aal: "aal1", user_role: userRole };
}

export const CALLERS: Record<Caller, CallerIdentity> = {
  anon: { role: "anon", claims: { role: "anon" } },
  "authenticated, no role": { role: "authenticated", claims: authenticatedClaims(NO_ROLE_USER_ID, null) },
  member: { role: "authenticated", claims: authenticatedClaims(MEMBER_USER_ID, "member") },
  admin: { role: "authenticated", claims: authenticatedClaims(ADMIN_USER_ID, "admin") },
  supabase_auth_admin: { role: "supabase_auth_admin", claims: null },
};

export const CALLER_NAMES = Object.keys(CALLERS) as Caller[];

/** Every value as PostgreSQL prints it (text), so results compare exactly. */
export const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

export type AttemptResult =
  | { ok: true; rows: Record<string, unknown>[] }
  | { ok: false; code: string; message: string };

/**
 * Runs fn as the caller inside a transaction that is always rolled back, the way PostgREST
 * runs a request: claims first (set_config(..., true) is transaction-local), then `set local role`.
 */
export async function asCaller<T>(client: Client, caller: Caller | CallerIdentity, fn: (client: Client) => Promise<T>): Promise<T> {
  const identity = typeof caller === "string" ? CALLERS[caller] : caller;
  await client.query("begin");
  try {
    if (identity.claims) await client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(identity.claims)]);
    await client.query(`set local role ${identity.role}`);
    return await fn(client);
  } finally {
    await client.query("rollback");
  }
}

/** Runs one statement as the caller; a failure is returned with its SQLSTATE instead of thrown. */
export async function attempt(client: Client, caller: Caller | CallerIdentity, sql: string, params: unknown[] = []): Promise<AttemptResult> {
  return asCaller(client, caller, async (c) => {
    await c.query("savepoint attempt");
    try {
      const { rows } = await c.query<Record<string, unknown>>({ text: sql, values: params, types: RAW_TEXT });
      return { ok: true as const, rows };
    } catch (error) {
      const pgError = error as { code?: string; message?: string };
      if (typeof pgError.code !== "string") throw error;
      await c.query("rollback to savepoint attempt");
      return { ok: false as const, code: pgError.code, message: pgError.message ?? "" };
    }
  });
}
