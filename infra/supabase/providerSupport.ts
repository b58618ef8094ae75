// Small pieces the three Supabase providers share.
import type * as pulumi from "@pulumi/pulumi";
import { PROJECT_REF_PATTERN } from "./spec";

export type CheckFailure = pulumi.dynamic.CheckFailure;

/** The engine's placeholder for a value not known during preview (e.g. project.ref before create). */
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

export function projectRefFailures(projectRef: unknown, property = "projectRef"): CheckFailure[] {
  if (isUnknown(projectRef)) return [];
  if (typeof projectRef !== "string" || !PROJECT_REF_PATTERN.test(projectRef)) {
    return [
      {
        property,
        reason: `${property} must be a Supabase project ref (20 lowercase letters, as in https://<ref>.supabase.co), got ${JSON.stringify(projectRef ?? null)}`,
      },
    ];
  }
  return [];
}

/**
 * A changed token or API URL is stored (so refresh and delete use the current one), but only
 * when both sides name one: a stack whose CI passes the token by environment only must not
 * see drift against a token recorded from a developer's config.
 */
export function credentialChanged(recorded: string | undefined, declared: string | undefined): boolean {
  return recorded !== undefined && declared !== undefined && recorded !== declared;
}

/** Drops undefined values: the engine's Struct encoding cannot carry them. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}

/**
 * An error after the resource was created: the engine records it with this id and these
 * properties (so it is neither orphaned nor created twice), reports the message, and runs
 * update on the next `pulumi up`.
 */
export function initializationError(cause: unknown, id: string, properties: object): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return Object.assign(new Error(message), { id, properties: definedOnly(properties), reasons: [message] });
}

export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
