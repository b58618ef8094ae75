// The database side of the stack as Pulumi dynamic resources (tokens
// pulumi-nodejs:dynamic/postgres:<Type>). The provider objects are exported so that tests
// and outside checks call them directly; the program imports the resources from ./resources,
// which loads no provider. See docs/providers.md.
export { extensionProvider, SUPPORTED_EXTENSIONS } from "./extension";
export type { ExtensionArgs, ExtensionInputs, ExtensionOutputs } from "./extension";
export { migrationProvider, NO_RECORDED_STATEMENTS, NOT_RECORDED } from "./migration";
export type { MigrationArgs, MigrationInputs, MigrationOutputs } from "./migration";
export { grantProvider } from "./grant";
export type { GrantArgs, GrantInputs, GrantOutputs } from "./grant";
export { GRANT_OBJECT_TYPES, grantText, PRIVILEGE_FOR_OBJECT_TYPE } from "./objectNames";
export type { GrantObjectType, GrantSpec, Privilege } from "./objectNames";
export { cronJobProvider } from "./cronJob";
export { CronJob, Extension, Grant, Migration, POSTGRES_RESOURCE_TYPES, Schema } from "./resources";
export type { CronJobArgs, CronJobInputs, CronJobOutputs } from "./cronJob";
export { cronScheduleProblem, isValidCronSchedule } from "./cronSchedule";
export {
  APPLICATION_NAME,
  CONNECT_TIMEOUT_MS,
  connectionProblem,
  IDLE_SESSION_MS,
  LOCK_TIMEOUT,
  MAX_SESSIONS,
  parseConnection,
  STATEMENT_TIMEOUT,
  withDatabase,
} from "./connection";
export { CATALOG_SQL, isPlatformSchema, objectKey, OBJECT_KINDS, PLATFORM_SCHEMA_PREFIXES, PLATFORM_SCHEMAS, readCatalog } from "./schemaCatalog";
export type { Acl, CatalogObject, CatalogScope, ObjectKind } from "./schemaCatalog";
export { catalogScope, compareSchema, packExpectedSchema, staleExpectedSchema, unpackExpectedSchema } from "./schemaDrift";
export type { ExpectedSchema, Finding, Repair } from "./schemaDrift";
export { schemaProvider } from "./schema";
export type { SchemaArgs, SchemaInputs, SchemaOutputs } from "./schema";
