// Supabase resources over the Management API, as Pulumi dynamic resources
// (pulumi-nodejs:dynamic/supabase:<Type>). The program imports the resources from ./resources,
// which loads no provider. See docs/providers.md.
export { projectProvider } from "./project";
export { AuthHook, DatabaseConnection, DEFAULT_PROVISIONING_TIMEOUT_MINUTES, PostgrestConfig, Project, SUPABASE_RESOURCE_TYPES } from "./resources";
export type { ProjectArgs, NewProjectArgs, AdoptedProjectArgs, ProjectInputs, ProjectOutputs } from "./project";
export { postgrestConfigProvider, REQUIRED_SCHEMA } from "./postgrestConfig";
export type { PostgrestConfigArgs, PostgrestConfigInputs, PostgrestConfigOutputs } from "./postgrestConfig";
export { databaseConnectionProvider } from "./databaseConnection";
export type { DatabaseConnectionArgs, DatabaseConnectionInputs, DatabaseConnectionOutputs } from "./databaseConnection";
export { authHookProvider, pgFunctionsUriProblem } from "./authHook";
export type { AuthHookArgs, AuthHookInputs, AuthHookOutputs } from "./authHook";
export { DEFAULT_API_URL, ACCESS_TOKEN_ENV, API_URL_ENV } from "./credentials";
export { ORGANIZATION_SLUG_PATTERN } from "./spec";
