// Small pieces the three Supabase providers share besides the toolkit.
import { CheckFailure, isErrorLike, propertyFailures } from "../toolkit";
import { PROJECT_REF_PATTERN } from "./spec";

export function projectRefFailures(projectRef: unknown, property = "projectRef"): CheckFailure[] {
  return propertyFailures(property, projectRef, (value) =>
    typeof value === "string" && PROJECT_REF_PATTERN.test(value)
      ? undefined
      : `${property} must be a Supabase project ref (20 lowercase letters, as in https://<ref>.supabase.co), got ${JSON.stringify(value ?? null)}`,
  );
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
  const message = isErrorLike(cause) ? cause.message : String(cause);
  return Object.assign(new Error(message), { id, properties: definedOnly(properties), reasons: [message] });
}

export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
