// Helpers of the Postgres resource tests: a login role whose password is a distinctive
// secret (so a leak is detectable), URLs for it, and small queries.
import { randomBytes } from "node:crypto";
import { adminUrl, createFreshDatabase, FreshDatabase, withClient } from "../support/db";

export interface SecretRole {
  role: string;
  /** Contains URL-special characters, so every spelling (raw, %-encoded) is exercised. */
  password: string;
  /** The URL of `database` as this role, password %-encoded. */
  urlFor(databaseUrl: string): string;
  drop(): Promise<void>;
}

/**
 * A login role with a distinctive password (prefix must not start with pg_), with the
 * deployer's rights: Supabase's `postgres` attributes and membership in `postgres`, so it can
 * use the databases `postgres` owns. drop() after the databases it used are gone.
 */
export async function createSecretRole(prefix: string): Promise<SecretRole> {
  const suffix = randomBytes(4).toString("hex");
  const role = `${prefix}_${suffix}`;
  const password = `Pw:${randomBytes(6).toString("hex")}@/%#?-Zq${suffix}`;
  await withClient(adminUrl(), async (client) => {
    const { rows } = await client.query<{ statement: string }>(
      "select format('create role %I login nosuperuser createrole createdb replication bypassrls password %L in role postgres', $1::text, $2::text) as statement",
      [role, password],
    );
    await client.query(rows[0].statement);
  });
  return {
    role,
    password,
    urlFor(databaseUrl: string): string {
      const url = new URL(databaseUrl);
      url.username = role;
      url.password = encodeURIComponent(password);
      return url.toString();
    },
    async drop(): Promise<void> {
      await withClient(adminUrl(), async (client) => {
        const { rows } = await client.query<{ statement: string }>("select format('drop role if exists %I', $1::text) as statement", [role]);
        await client.query(rows[0].statement);
      });
    },
  };
}

/** Every spelling of a password that must never appear in a message or an output. */
export function secretSpellings(password: string, url: string): string[] {
  return [password, encodeURIComponent(password), url];
}

/** The message of the error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected the operation to fail, but it succeeded");
}

export async function queryRows<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

/** Serializes a provider the way Pulumi does for `__provider`, and loads it back as the dynamic-provider host does. */
export async function roundTripProvider<T>(provider: T): Promise<T> {
  const pulumi = await import("@pulumi/pulumi");
  const requireFromString = require("require-from-string") as (code: string) => { handler: () => T };
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return requireFromString(serialized.text).handler();
}

/** Registers a fresh database per test in the calling describe block; call the result for it. */
export function useFreshDatabase(prefix: string, setupSql?: string): () => FreshDatabase {
  let db: FreshDatabase | undefined;
  beforeEach(async () => {
    db = await createFreshDatabase(prefix);
    if (setupSql) await withClient(db.url, (client) => client.query(setupSql));
  });
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });
  return () => {
    if (!db) throw new Error("no database: useFreshDatabase works inside tests of its describe block");
    return db;
  };
}
