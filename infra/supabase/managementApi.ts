// The Management API operations the providers use, typed from the generated spec types.
import type { Credentials } from "./credentials";
import { send } from "./client";
import type {
  AuthConfig,
  ComputeAddonVariant,
  ProjectAddons,
  CreateProjectBody,
  PoolerConfig,
  PostgrestConfigResponse,
  ProjectWithDatabase,
  ServiceHealth,
  ServiceName,
  UpdateAuthConfigBody,
} from "./spec";

export function getProject(credentials: Credentials, ref: string): Promise<ProjectWithDatabase> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) => client.GET("/v1/projects/{ref}", { params: { path: { ref } }, signal }),
  });
}

export async function createProject(credentials: Credentials, body: CreateProjectBody): Promise<{ ref: string }> {
  return send(credentials, {
    operation: "POST /v1/projects",
    method: "POST",
    context: `project "${body.name}" in organization ${body.organization_slug}`,
    call: (client, signal) => client.POST("/v1/projects", { body, signal }),
  });
}

export async function renameProject(credentials: Credentials, ref: string, name: string): Promise<void> {
  await send(credentials, {
    operation: "PATCH /v1/projects/{ref}",
    method: "PATCH",
    context: `project ${ref}`,
    call: (client, signal) => client.PATCH("/v1/projects/{ref}", { params: { path: { ref } }, body: { name }, signal }),
  });
}

export async function deleteProject(credentials: Credentials, ref: string): Promise<void> {
  await send(credentials, {
    operation: "DELETE /v1/projects/{ref}",
    method: "DELETE",
    context: `project ${ref}`,
    call: (client, signal) => client.DELETE("/v1/projects/{ref}", { params: { path: { ref } }, signal }),
  });
}

/** The applied add-ons, the compute instance among them. */
export function listProjectAddons(credentials: Credentials, ref: string): Promise<ProjectAddons> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}/billing/addons",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) => client.GET("/v1/projects/{ref}/billing/addons", { params: { path: { ref } }, signal }),
  });
}

/** Resizes the project: selects the compute add-on variant (the project then restarts). */
export async function applyComputeAddon(credentials: Credentials, ref: string, variant: ComputeAddonVariant): Promise<void> {
  await send(credentials, {
    operation: "PATCH /v1/projects/{ref}/billing/addons",
    method: "PATCH",
    context: `project ${ref}`,
    call: (client, signal) =>
      client.PATCH("/v1/projects/{ref}/billing/addons", {
        params: { path: { ref } },
        body: { addon_type: "compute_instance", addon_variant: variant },
        signal,
      }),
  });
}

/** Sets the database password of `postgres` (and so of the pooler's tenant user). */
export async function updateDatabasePassword(credentials: Credentials, ref: string, password: string): Promise<void> {
  await send(credentials, {
    operation: "PATCH /v1/projects/{ref}/database/password",
    method: "PATCH",
    context: `project ${ref}`,
    call: (client, signal) => client.PATCH("/v1/projects/{ref}/database/password", { params: { path: { ref } }, body: { password }, signal }),
  });
}

export function getServicesHealth(
  credentials: Credentials,
  ref: string,
  services: readonly ServiceName[],
): Promise<ServiceHealth[]> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}/health",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) =>
      client.GET("/v1/projects/{ref}/health", { params: { path: { ref }, query: { services: [...services] } }, signal }),
  });
}

export function getPoolerConfig(credentials: Credentials, ref: string): Promise<PoolerConfig[]> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}/config/database/pooler",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) => client.GET("/v1/projects/{ref}/config/database/pooler", { params: { path: { ref } }, signal }),
  });
}

export function getPostgrestConfig(credentials: Credentials, ref: string): Promise<PostgrestConfigResponse> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}/postgrest",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) => client.GET("/v1/projects/{ref}/postgrest", { params: { path: { ref } }, signal }),
  });
}

/** Sends db_schema only: every other PostgREST setting stays as it is. */
export function updatePostgrestSchemas(credentials: Credentials, ref: string, dbSchema: string): Promise<{ db_schema: string }> {
  return send(credentials, {
    operation: "PATCH /v1/projects/{ref}/postgrest",
    method: "PATCH",
    context: `project ${ref}`,
    call: (client, signal) =>
      client.PATCH("/v1/projects/{ref}/postgrest", { params: { path: { ref } }, body: { db_schema: dbSchema }, signal }),
  });
}

export function getAuthConfig(credentials: Credentials, ref: string): Promise<AuthConfig> {
  return send(credentials, {
    operation: "GET /v1/projects/{ref}/config/auth",
    method: "GET",
    context: `project ${ref}`,
    call: (client, signal) => client.GET("/v1/projects/{ref}/config/auth", { params: { path: { ref } }, signal }),
  });
}

/** The custom access token hook fields, and nothing else of the auth config. */
export type CustomAccessTokenHookPatch = Pick<
  UpdateAuthConfigBody,
  "hook_custom_access_token_enabled" | "hook_custom_access_token_uri"
>;

export function updateCustomAccessTokenHook(
  credentials: Credentials,
  ref: string,
  patch: CustomAccessTokenHookPatch,
): Promise<AuthConfig> {
  return send(credentials, {
    operation: "PATCH /v1/projects/{ref}/config/auth",
    method: "PATCH",
    context: `project ${ref}`,
    call: (client, signal) => client.PATCH("/v1/projects/{ref}/config/auth", { params: { path: { ref } }, body: patch, signal }),
  });
}
