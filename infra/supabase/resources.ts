// The Supabase resources as the program declares them, without their providers: each names the
// file and export of its provider, which the dynamic-provider plugin loads through
// infra/toolkit/providerHost.js. The program imports this entry, so its run neither loads nor
// type-checks the providers (the Management API client and its generated types); see
// docs/providers.md.
import * as path from "node:path";
import { dynamicResource } from "../toolkit";
import type { AuthHookArgs, AuthHookOutputs } from "./authHook";
import type { DatabaseConnectionArgs, DatabaseConnectionOutputs } from "./databaseConnection";
import type { PostgrestConfigArgs, PostgrestConfigOutputs } from "./postgrestConfig";
import type { ProjectArgs, ProjectOutputs } from "./project";

export { ORGANIZATION_SLUG_PATTERN } from "./spec";

export const DEFAULT_PROVISIONING_TIMEOUT_MINUTES = 10;
/** The secrets of the Management API resources: the token. */
export const API_SECRETS = ["accessToken"] as const;
/** What the program gives DatabaseConnection as `connection`: check replaces it. */
export const CONNECTION_PLACEHOLDER = "";

const providerFile = (name: string) => path.join(__dirname, `${name}.ts`);
const WITH_CONNECTION_SECRETS = ["connection", "dbPass", "accessToken"] as const;

export const PROJECT_TYPE = { module: "supabase", type: "Project", file: providerFile("project"), exportName: "projectProvider", secrets: WITH_CONNECTION_SECRETS };
export const POSTGREST_CONFIG_TYPE = { module: "supabase", type: "PostgrestConfig", file: providerFile("postgrestConfig"), exportName: "postgrestConfigProvider", secrets: API_SECRETS };
export const DATABASE_CONNECTION_TYPE = {
  module: "supabase",
  type: "DatabaseConnection",
  file: providerFile("databaseConnection"),
  exportName: "databaseConnectionProvider",
  secrets: WITH_CONNECTION_SECRETS,
};
export const AUTH_HOOK_TYPE = { module: "supabase", type: "AuthHook", file: providerFile("authHook"), exportName: "authHookProvider", secrets: API_SECRETS };

const PROJECT_OUTPUTS = Object.fromEntries(
  ["ref", "name", "organizationSlug", "region", "instanceSize", "status", "apiUrl", "dbHost", "connection"].map((key) => [key, undefined]),
);

/** pulumi-nodejs:dynamic/supabase:Project */
export const Project = dynamicResource<ProjectArgs, ProjectOutputs>(
  PROJECT_TYPE,
  // Every output is listed, so the resource exposes it even when no input sets it.
  (args) => ({ ...PROJECT_OUTPUTS, ...args }),
);
export type Project = InstanceType<typeof Project>;

/** pulumi-nodejs:dynamic/supabase:PostgrestConfig */
export const PostgrestConfig = dynamicResource<PostgrestConfigArgs, PostgrestConfigOutputs>(POSTGREST_CONFIG_TYPE, (args) => ({
  addedSchemas: undefined,
  exposedSchemas: undefined,
  ...args,
}));
export type PostgrestConfig = InstanceType<typeof PostgrestConfig>;

/** pulumi-nodejs:dynamic/supabase:DatabaseConnection */
export const DatabaseConnection = dynamicResource<DatabaseConnectionArgs, DatabaseConnectionOutputs>(
  DATABASE_CONNECTION_TYPE,
  // A secret placeholder for the URL check puts in its place: the engine marks what check returns
  // secret only under keys whose given value was secret (provider_plugin.go Check, annotateSecrets).
  (args) => ({ ...args, connection: CONNECTION_PLACEHOLDER }),
);
export type DatabaseConnection = InstanceType<typeof DatabaseConnection>;

/** pulumi-nodejs:dynamic/supabase:AuthHook */
export const AuthHook = dynamicResource<AuthHookArgs, AuthHookOutputs>(AUTH_HOOK_TYPE, (args) => ({ ...args }));
export type AuthHook = InstanceType<typeof AuthHook>;

/** Every Supabase resource type, for the check that each names an existing provider. */
export const SUPABASE_RESOURCE_TYPES = [PROJECT_TYPE, POSTGREST_CONFIG_TYPE, DATABASE_CONNECTION_TYPE, AUTH_HOOK_TYPE] as const;
