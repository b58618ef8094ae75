// The Pulumi program: stack config + sql/migrations + the declared admin surface → AnalyticsFoundation.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ALL_GRANTS } from "./adminSurface";
import { AnalyticsFoundation, AnalyticsFoundationTarget } from "./analyticsFoundation";
import { parseStackConfig, readStackConfig, StackConfig } from "./config";
import { ExpectedSchemaError, expectedSchemaPath, readExpectedSchema } from "./expectedSchema";
import { loadMigrations, MigrationFile, MigrationFileError } from "./migrations";
import type { ExpectedSchema } from "./postgres/resources";

export interface StackOutputs {
  target: string;
  projectRef?: pulumi.Output<string>;
  apiUrl?: pulumi.Output<string>;
  migrationVersions: pulumi.Output<string[]>;
  refreshSchedule: pulumi.Output<string>;
  hookUri?: pulumi.Output<string>;
  /** Secret. */
  databaseUrl: pulumi.Output<string>;
}

function foundationTarget(config: StackConfig): AnalyticsFoundationTarget {
  switch (config.target) {
    case "supabase":
      return {
        kind: "supabase",
        projectName: config.projectName,
        organizationSlug: config.organizationSlug,
        region: config.region,
        instanceSize: config.instanceSize,
        provisioningTimeoutMinutes: config.provisioningTimeoutMinutes,
        api: config.supabase,
      };
    case "supabase-existing":
      return { kind: "supabase-existing", projectRef: config.projectRef, dbPassword: pulumi.secret(config.dbPassword), api: config.supabase };
    case "postgres":
      return { kind: "postgres", databaseUrl: pulumi.secret(config.databaseUrl) };
  }
}

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The migration files, or a RunError naming the offending file and the fix. */
export function readMigrations(dir: string): MigrationFile[] {
  try {
    return loadMigrations(path.resolve(PROJECT_ROOT, dir), PROJECT_ROOT);
  } catch (error) {
    if (error instanceof MigrationFileError) throw new pulumi.RunError(`migrations: ${error.message}`);
    throw error;
  }
}

/** The expected schema beside the migrations folder (sql/schema.json), or a RunError naming the fix. */
export function readStackExpectedSchema(dir: string): ExpectedSchema {
  try {
    return readExpectedSchema(expectedSchemaPath(path.resolve(PROJECT_ROOT, dir)));
  } catch (error) {
    if (error instanceof ExpectedSchemaError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/** Builds the stack from an already validated config; the tests call it with their own. */
export function buildStack(
  config: StackConfig,
  migrations: readonly MigrationFile[] = readMigrations(config.migrationsDir),
  expectedSchema: ExpectedSchema | undefined = readStackExpectedSchema(config.migrationsDir),
): StackOutputs {
  const foundation = new AnalyticsFoundation("analytics", {
    target: foundationTarget(config),
    migrations,
    grants: ALL_GRANTS,
    expectedSchema,
    refreshSchedule: config.refreshSchedule,
    allowOutOfOrder: config.allowOutOfOrder,
    protectProject: config.protectProject,
    retainDatabaseObjects: config.retainDatabaseObjects,
  });
  // Pulumi warns about (and drops) undefined stack outputs: the Supabase-only ones are left out on target postgres.
  return {
    target: config.target,
    ...(foundation.projectRef ? { projectRef: foundation.projectRef } : {}),
    ...(foundation.apiUrl ? { apiUrl: foundation.apiUrl } : {}),
    migrationVersions: foundation.migrationVersions,
    refreshSchedule: foundation.refreshSchedule,
    ...(foundation.hookUri ? { hookUri: foundation.hookUri } : {}),
    databaseUrl: foundation.connection,
  };
}

/** Entry point: validates everything before the first resource is registered. */
export function runProgram(): StackOutputs {
  const config = parseStackConfig(readStackConfig(), pulumi.getStack());
  const migrations = readMigrations(config.migrationsDir);
  return buildStack(config, migrations, readStackExpectedSchema(config.migrationsDir));
}
