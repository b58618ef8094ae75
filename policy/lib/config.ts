// Policy configuration: each policy declares its options, with the pack's requirements as
// defaults, in its configSchema; policies read them through configOf.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { RequiredGrant } from "../requirements";

/**
 * The policy's config with the schema's defaults for whatever is not set. The Pulumi CLI fills in
 * defaults itself; the analyzer protocol without the CLI, and direct calls, pass only what is set.
 */
export function configOf<T extends object>(args: { getConfig<C extends object>(): C }, schema: PolicyConfigSchema): T {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    if (property.default !== undefined) defaults[key] = property.default;
  }
  return { ...defaults, ...args.getConfig<Partial<T>>() } as T;
}

export function stringOption(defaultValue: string, description: string): PolicyConfigJSONSchema {
  return { type: "string", default: defaultValue, description };
}

/** A list of grants, each `{ role, privilege, objectType, object }`, as the Grant resource's inputs. */
export function grantListOption(defaultValue: readonly RequiredGrant[], description: string): PolicyConfigJSONSchema {
  const text = { type: "string", minLength: 1 } as const;
  return {
    type: "array",
    items: {
      type: "object",
      properties: { role: text, privilege: text, objectType: text, object: text },
      required: ["role", "privilege", "objectType", "object"],
      additionalProperties: false,
    },
    default: defaultValue.map((grant) => ({ ...grant })),
    description,
  };
}

export function grantKey(grant: RequiredGrant): string {
  return [grant.role, grant.privilege, grant.objectType, grant.object].join("|");
}

/** `grant execute on function analytics.manual_refresh() to authenticated`. */
export function grantText(grant: RequiredGrant): string {
  return `grant ${grant.privilege} on ${grant.objectType} ${grant.object} to ${grant.role}`;
}
