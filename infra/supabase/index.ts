// Supabase resources over the Management API, as Pulumi dynamic resources
// (pulumi-nodejs:dynamic/supabase:<Type>). See docs/providers.md.
export { DEFAULT_PROVISIONING_TIMEOUT_MINUTES, Project, projectProvider } from "./project";
export type { ProjectArgs, NewProjectArgs, AdoptedProjectArgs, ProjectInputs, ProjectOutputs } from "./project";
export { PostgrestConfig, postgrestConfigProvider, REQUIRED_SCHEMA } from "./postgrestConfig";
export type { PostgrestConfigArgs, PostgrestConfigInputs, PostgrestConfigOutputs } from "./postgrestConfig";
export { DatabaseConnection, databaseConnectionProvider } from "./databaseConnection";
export type { DatabaseConnectionArgs, DatabaseConnectionInputs, DatabaseConnectionOutputs } from "./databaseConnection";
export { AuthHook, authHookProvider, pgFunctionsUriProblem } from "./authHook";
export type { AuthHookArgs, AuthHookInputs, AuthHookOutputs } from "./authHook";
export { DEFAULT_API_URL, ACCESS_TOKEN_ENV, API_URL_ENV } from "./credentials";
export { ORGANIZATION_SLUG_PATTERN } from "./spec";
