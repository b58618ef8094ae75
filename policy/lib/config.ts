// Policy configuration: each policy declares its options, with the pack's requirements as
// defaults, in its configSchema, and reads them back with the defaults filled in.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { RequiredGrant } from "../requirements";

/** One config property: its JSON schema, with the value type it yields. */
export interface Option<T> {
  schema: PolicyConfigJSONSchema;
  /** Type only: never set. */
  readonly value?: T;
}

type Values<P> = { [K in keyof P]: P[K] extends Option<infer T> ? T : never };

/**
 * A policy's config: `schema` for its configSchema, and `read` for its validation, which gives the
 * schema's default for whatever is not set. The Pulumi CLI fills in defaults itself; the analyzer
 * protocol without the CLI, and direct calls, pass only what is set.
 */
export function policyConfig<P extends Record<string, Option<unknown>>>(options: P): { schema: PolicyConfigSchema; read(args: ConfigSource): Values<P> } {
  const properties = Object.fromEntries(Object.entries(options).map(([key, option]) => [key, option.schema]));
  const defaults = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, schema.default]));
  return { schema: { properties }, read: (args) => ({ ...defaults, ...args.getConfig<Partial<Values<P>>>() }) as Values<P> };
}

interface ConfigSource {
  getConfig<C extends object>(): C;
}

export function stringOption(defaultValue: string, description: string): Option<string> {
  return { schema: { type: "string", default: defaultValue, description } };
}

/** A list of grants, each `{ role, privilege, objectType, object }`, as the Grant resource's inputs. */
export function grantListOption(defaultValue: readonly RequiredGrant[], description: string): Option<RequiredGrant[]> {
  const text = { type: "string", minLength: 1 } as const;
  const schema: PolicyConfigJSONSchema = {
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
  return { schema };
}

export function grantKey(grant: RequiredGrant): string {
  return [grant.role, grant.privilege, grant.objectType, grant.object].join("|");
}

/** `grant execute on function analytics.manual_refresh() to authenticated`. */
export function grantText(grant: RequiredGrant): string {
  return `grant ${grant.privilege} on ${grant.objectType} ${grant.object} to ${grant.role}`;
}
