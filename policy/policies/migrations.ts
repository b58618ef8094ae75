// 6. The Migration resources are a sound chain: 14-digit unique versions, each waiting for its
// predecessor in version order, each checksum the sha256 of its SQL.
import { createHash } from "node:crypto";
import type { StackValidationPolicy } from "@pulumi/policy";
import { dependsOn } from "../lib/graph";
import { describeResource, MigrationProps, migrationFile, ofType } from "../lib/resources";

const VERSION_FORMAT = /^\d{14}$/;

/** The checksum a Migration must carry: sha256 of its SQL as UTF-8, in hex (as the history table keeps it). */
function sha256Hex(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

export const migrationsPolicy: StackValidationPolicy = {
  name: "supabase-analytics-migrations",
  description:
    "Migration versions are 14-digit UTC timestamps and unique, each Migration depends on its predecessor in version order, and each checksum is the sha256 of its SQL.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const migrations = ofType(args.resources, "migration");
    const byVersion = new Map<string, string[]>();
    for (const migration of migrations) {
      const props = migration.props as MigrationProps;
      const version = String(props.version);
      const name = describeResource(migration);
      byVersion.set(version, [...(byVersion.get(version) ?? []), migration.name]);
      if (!VERSION_FORMAT.test(version)) {
        reportViolation(`${name} has version "${version}"; versions are 14-digit UTC timestamps (YYYYMMDDHHMMSS): rename ${migrationFile(props)}.`, migration.urn);
      }
      if (typeof props.sql !== "string" || props.checksum !== sha256Hex(props.sql)) {
        reportViolation(
          `${name}: checksum ${String(props.checksum)} is not the sha256 of its sql; set checksum from the file (the program does), and never edit an applied migration: add a new one.`,
          migration.urn,
        );
      }
    }
    for (const [version, names] of byVersion) {
      if (names.length > 1) reportViolation(`Version ${version} is used by ${names.length} Migrations (${names.join(", ")}); give each file its own timestamp.`);
    }
    const ordered = [...migrations].sort((a, b) => String((a.props as MigrationProps).version).localeCompare(String((b.props as MigrationProps).version)));
    for (let i = 1; i < ordered.length; i++) {
      const [previous, current] = [ordered[i - 1], ordered[i]];
      if (dependsOn(current, previous)) continue;
      reportViolation(
        `${describeResource(current)} does not depend on ${describeResource(previous)}, the migration before it in version order; add it to dependsOn so the files apply in order.`,
        current.urn,
      );
    }
  },
};
