// What the four providers share in check and diff: unknown values during preview, failures
// that name the property, and diffs that report real changes only.
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { connectionProblem } from "./connection";

/**
 * The value the engine sends for an input that is not known yet during preview (an output of
 * a resource still to be created). Same as @pulumi/pulumi/runtime/rpc's unknownValue; a test
 * keeps them equal.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs every Postgres resource has besides its own. */
export interface CommonInputs {
  connection: string;
  /** Fingerprint of infra/postgres (infra/providerVersion.ts); a change is an update, never a replacement. */
  providerVersion?: string;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

export function isKnownString(value: unknown): value is string {
  return typeof value === "string" && value !== UNKNOWN;
}

/** Adds a failure for the property when validate finds a problem; skipped while the value is unknown. */
export function checkProperty<T>(
  failures: CheckFailure[],
  property: string,
  value: T,
  validate: (value: T) => string | undefined,
): void {
  if (isUnknown(value)) return;
  const reason = validate(value);
  if (reason) failures.push({ property, reason });
}

export function requiredString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? undefined : "required: a non-empty string";
}

export function checkConnection(failures: CheckFailure[], connection: unknown): void {
  checkProperty(failures, "connection", connection, connectionProblem);
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
 * keys in `replaceKeys` that changed are replacements. Only `connection` or `providerVersion`
 * changing is an update that stores them (see each provider's update).
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
export const STORED_ONLY_KEYS: readonly string[] = ["connection", "providerVersion"];
