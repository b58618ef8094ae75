// What the four Postgres providers share in check and diff besides the toolkit: the
// connection's check, names PostgreSQL would truncate, and diffs that report real changes only.
import type * as pulumi from "@pulumi/pulumi";
import { CheckFailure, isUnknown, propertyFailures } from "../toolkit";
import { connectionProblem } from "./connection";

/** The argument every Postgres resource takes besides its own. */
export interface PostgresArgs {
  /**
   * PostgreSQL URL with the password (secret): postgresql://user:password@host:port/database,
   * sslmode as libpq reads it (disable, prefer, require, verify-ca, verify-full). For CronJob,
   * the database must be pg_cron's cron.database_name.
   * @default none (required)
   */
  connection: pulumi.Input<string>;
}

/** Inputs every Postgres resource has besides its own. */
export interface CommonInputs {
  connection: string;
}

/** The secret every Postgres resource takes: the database URL with its password. */
export const POSTGRES_SECRETS = ["connection"] as const;

export function requiredString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? undefined : "required: a non-empty string";
}

export function connectionFailures(connection: unknown): CheckFailure[] {
  return propertyFailures("connection", connection, connectionProblem);
}

/** Identifier length limit of PostgreSQL (NAMEDATALEN - 1), in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

export function nameProblem(value: unknown, example: string): string | undefined {
  if (typeof value !== "string" || value === "") return `required: a name such as ${example}`;
  if (Buffer.byteLength(value, "utf8") > MAX_IDENTIFIER_BYTES) {
    return `longer than ${MAX_IDENTIFIER_BYTES} bytes; PostgreSQL would truncate it`;
  }
  return undefined;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The diff of two property bags over the given keys: an unknown new value counts as a change,
 * keys in `replaceKeys` that changed are replacements. Only `connection` changing is an update
 * that stores it (see each provider's update).
 */
export function diffProperties(
  olds: object,
  news: object,
  keys: readonly string[],
  replaceKeys: readonly string[],
): { changed: string[]; replaces: string[] } {
  const before = olds as Record<string, unknown>;
  const after = news as Record<string, unknown>;
  const changed = keys.filter((key) => isUnknown(after[key]) || !same(before[key], after[key]));
  return { changed, replaces: changed.filter((key) => replaceKeys.includes(key)) };
}

/** Keys that change only what is stored, never the database. */
export const STORED_ONLY_KEYS: readonly string[] = ["connection"];

