// The one style of check failures: a validator says why a value is refused (or undefined), and
// the provider's check collects `{ property, reason }` lists, skipping values that are unknown
// during preview.
import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "./unknown";

export type CheckFailure = pulumi.dynamic.CheckFailure;

/** A failure for the property when there is a reason, else none. */
export function failure(property: string, reason: string | undefined): CheckFailure[] {
  return reason === undefined ? [] : [{ property, reason }];
}

/** The property's failure according to validate; none while the value is unknown. */
export function propertyFailures<T>(property: string, value: T, validate: (value: T) => string | undefined): CheckFailure[] {
  return isUnknown(value) ? [] : failure(property, validate(value));
}

/** A validator for flags: absent or a boolean. */
export function optionalBoolean(value: unknown): string | undefined {
  return value === undefined || typeof value === "boolean" ? undefined : "must be true or false";
}
