// The database side of the stack as Pulumi dynamic resources (tokens
// pulumi-nodejs:dynamic/postgres:<Type>). The provider objects are exported so that tests
// and outside checks call them directly. See docs/providers.md.
export { Extension, extensionProvider, SUPPORTED_EXTENSIONS } from "./extension";
export type { ExtensionArgs, ExtensionInputs, ExtensionOutputs } from "./extension";
export { Migration, migrationProvider, NO_RECORDED_STATEMENTS, NOT_RECORDED } from "./migration";
export type { MigrationArgs, MigrationInputs, MigrationOutputs } from "./migration";
export { Grant, grantProvider, PRIVILEGE_FOR_OBJECT_TYPE } from "./grant";
export type { GrantArgs, GrantInputs, GrantOutputs } from "./grant";
export { CronJob, cronJobProvider } from "./cronJob";
export type { CronJobArgs, CronJobInputs, CronJobOutputs } from "./cronJob";
export { cronScheduleProblem, isValidCronSchedule } from "./cronSchedule";
export { MIGRATION_LOCK_KEY } from "./migrationHistory";
export { splitStatements, statementsChecksum } from "./statements";
export {
  APPLICATION_NAME,
  CONNECT_TIMEOUT_MS,
  LOCK_TIMEOUT,
  MIGRATION_LOCK_WAIT,
  MIGRATION_STATEMENT_TIMEOUT,
  STATEMENT_TIMEOUT,
} from "./connection";
