// The engine's placeholder for an input that is not known yet during preview (an output of a
// resource still to be created). Same as @pulumi/pulumi/runtime/rpc's unknownValue; a test
// keeps them equal. Providers skip checks of unknown values and diff them as changes.

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

export function isKnownString(value: unknown): value is string {
  return typeof value === "string" && value !== UNKNOWN;
}
