// Reading props that may be unknown during a preview. The analyzer wraps props in a proxy that
// throws UnknownValueError on an unknown value (e.g. a connection URL that a Project computes);
// a policy that scans every prop must skip those instead of failing as a whole.

const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError?: new (...args: never[]) => Error };

export function isUnknownValueError(error: unknown): boolean {
  return UnknownValueError !== undefined && error instanceof UnknownValueError;
}

/** The value at `key`, or `unknown: true` when the engine does not know it yet. */
export function readKnown(container: Record<string, unknown>, key: string): { known: true; value: unknown } | { known: false } {
  try {
    return { known: true, value: container[key] };
  } catch (error) {
    if (isUnknownValueError(error)) return { known: false };
    throw error;
  }
}

/** Every known string inside `value` (objects and arrays walked), unknown parts skipped. */
export function knownStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  const strings: string[] = [];
  for (const key of Object.keys(value)) {
    const read = readKnown(value as Record<string, unknown>, key);
    if (read.known) strings.push(...knownStrings(read.value));
  }
  return strings;
}
