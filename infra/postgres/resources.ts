// The Postgres resources as the program declares them, without their providers: each names the
// file and export of its provider, which the dynamic-provider plugin loads through
// infra/toolkit/providerHost.js. The program imports this entry, so its run neither loads nor
// type-checks the providers (pg, the SQL parser, the provider logic); see docs/providers.md.
import * as path from "node:path";
import { dynamicResource } from "../toolkit";
import type { CronJobArgs, CronJobOutputs } from "./cronJob";
import type { ExtensionArgs, ExtensionOutputs } from "./extension";
import type { GrantArgs, GrantOutputs } from "./grant";
import type { MigrationArgs, MigrationOutputs } from "./migration";
import type { SchemaArgs, SchemaOutputs } from "./schema";

export { cronScheduleProblem } from "./cronSchedule";
export { grantText } from "./objectNames";
export type { GrantSpec } from "./objectNames";
// Runs in the program: it packs the expected schema into the Schema resource's input.
export { packExpectedSchema } from "./schemaDrift";
export type { ExpectedSchema } from "./schemaDrift";

/** The secret every Postgres resource takes: the database URL with its password. */
export const POSTGRES_SECRETS = ["connection"] as const;
export const DEFAULT_EXTENSION_SCHEMA = "pg_catalog";

const providerFile = (name: string) => path.join(__dirname, `${name}.ts`);

export const EXTENSION_TYPE = { module: "postgres", type: "Extension", file: providerFile("extension"), exportName: "extensionProvider", secrets: POSTGRES_SECRETS };
export const MIGRATION_TYPE = { module: "postgres", type: "Migration", file: providerFile("migration"), exportName: "migrationProvider", secrets: POSTGRES_SECRETS };
export const GRANT_TYPE = { module: "postgres", type: "Grant", file: providerFile("grant"), exportName: "grantProvider", secrets: POSTGRES_SECRETS };
export const CRON_JOB_TYPE = { module: "postgres", type: "CronJob", file: providerFile("cronJob"), exportName: "cronJobProvider", secrets: POSTGRES_SECRETS };
export const SCHEMA_TYPE = { module: "postgres", type: "Schema", file: providerFile("schema"), exportName: "schemaProvider", secrets: POSTGRES_SECRETS };

/** pulumi-nodejs:dynamic/postgres:Extension */
export const Extension = dynamicResource<ExtensionArgs, ExtensionOutputs>(EXTENSION_TYPE, (args) => ({
  ...args,
  schema: args.schema ?? DEFAULT_EXTENSION_SCHEMA,
  version: undefined,
  adopted: undefined,
}));
export type Extension = InstanceType<typeof Extension>;

/** pulumi-nodejs:dynamic/postgres:Migration */
export const Migration = dynamicResource<MigrationArgs, MigrationOutputs>(MIGRATION_TYPE, (args) => ({ ...args, statementsChecksum: undefined }));
export type Migration = InstanceType<typeof Migration>;

/** pulumi-nodejs:dynamic/postgres:Grant */
export const Grant = dynamicResource<GrantArgs, GrantOutputs>(GRANT_TYPE, (args) => ({ ...args, granted: true }));
export type Grant = InstanceType<typeof Grant>;

/** pulumi-nodejs:dynamic/postgres:CronJob */
export const CronJob = dynamicResource<CronJobArgs, CronJobOutputs>(CRON_JOB_TYPE, (args) => ({ ...args, active: args.active ?? true, jobId: undefined }));
export type CronJob = InstanceType<typeof CronJob>;

/** pulumi-nodejs:dynamic/postgres:Schema */
export const Schema = dynamicResource<SchemaArgs, SchemaOutputs>(SCHEMA_TYPE, (args) => ({ ...args, drift: [], securityDrift: [] }));
export type Schema = InstanceType<typeof Schema>;

/** Every Postgres resource type, for the check that each names an existing provider. */
export const POSTGRES_RESOURCE_TYPES = [EXTENSION_TYPE, MIGRATION_TYPE, GRANT_TYPE, CRON_JOB_TYPE, SCHEMA_TYPE] as const;
