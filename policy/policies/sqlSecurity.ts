// 7. The migrations' SQL, read with the real PostgreSQL parser (libpg_query, WASM): no grant opens
// analytics or the hook to anon or public, security definer functions pin search_path, and every
// file parses (else it could hide either). Only what the database tests cannot catch for a
// migration not yet written; see policy/README.md.
import type { StackValidationPolicy } from "@pulumi/policy";
import { MigrationProps, migrationFile, ofType } from "../lib/resources";
import { reviewMigrations } from "../lib/sql/review";

export const sqlSecurityPolicy: StackValidationPolicy = {
  name: "supabase-analytics-sql-security",
  description:
    "Migration SQL parses with the PostgreSQL parser; no grant to anon or public on analytics or the auth hook; every security definer function sets search_path.",
  enforcementLevel: "mandatory",
  validateStack: async (args, reportViolation) => {
    const migrations = ofType(args.resources, "migration")
      .map((resource) => ({ resource, props: resource.props as MigrationProps }))
      .sort((a, b) => String(a.props.version).localeCompare(String(b.props.version)))
      .map(({ resource, props }) => ({ file: migrationFile(props), sql: String(props.sql), urn: resource.urn }));
    if (migrations.length === 0) {
      args.notApplicable("the stack has no Migration resources");
    }
    for (const finding of await reviewMigrations(migrations)) reportViolation(finding.message, finding.urn);
  },
};
