// 10. Security-relevant schema drift: the Schema resource (pulumi-nodejs:dynamic/postgres:Schema)
// lists, in `securityDrift`, the differences of the live database from the migrations that
// open or change access: a grant to anon or PUBLIC, execute on a security definer function to
// authenticated beyond the admin surface, row level security off, a dropped policy, a changed
// or unexpected security definer function. After a refresh, a preview sees them (the resource's
// check carries what the last read found), so the drift check fails on them; `up --refresh
// --skip-preview` repairs them and the stack check after the steps sees them gone.
import type { StackValidationPolicy } from "@pulumi/policy";
import { describeResource, ofType, SchemaProps } from "../lib/resources";

export const schemaDriftPolicy: StackValidationPolicy = {
  name: "supabase-analytics-schema-security-drift",
  description:
    "No security-relevant schema drift: no grant to anon or PUBLIC, no security definer function executable by authenticated beyond the admin surface, row level security on, no changed or unexpected security definer function.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const resource of ofType(args.resources, "schema")) {
      const props = resource.props as Partial<SchemaProps>;
      for (const line of Array.isArray(props.securityDrift) ? props.securityDrift : []) {
        reportViolation(
          `${describeResource(resource)}: ${line}. The database differs from its migrations where access is concerned: ` +
            "`pulumi up --refresh --yes --skip-preview` puts it back (docs/schema-drift.md), or write a migration if the change is wanted.",
          resource.urn,
        );
      }
    }
  },
};
