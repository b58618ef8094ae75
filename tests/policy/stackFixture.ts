// A compliant resource graph, written out from the contract rather than produced by the program:
// the declared admin surface (infra/adminSurface.ts), the real migration files, and the wiring
// ARCHITECTURE.md describes. Policy tests change one thing in it at a time.
import type { PolicyResource } from "@pulumi/policy";
import { ALL_GRANTS, AdminGrant, CUSTOM_ACCESS_TOKEN_HOOK_URI, grantResourceName, HOOK_GRANTS } from "../../infra/adminSurface";
import { loadMigrations, MigrationFile } from "../../infra/migrations";
import { RESOURCE_TYPES } from "../../policy/lib/resources";
import { RegisteredResource, toPolicyResources } from "./registeredResources";

export type Target = "supabase" | "supabase-existing" | "postgres";

export interface FixtureOptions {
  stack?: string;
  target?: Target;
  migrations?: readonly MigrationFile[];
  grants?: readonly AdminGrant[];
}

const PROJECT = "supabase-analytics";
const COMPONENT_TYPE = "supabase-analytics:index:AnalyticsFoundation";
const PROJECT_REF = "abcdefghijklmnopqrst";
export const FIXTURE_POOLER_URL = `postgresql://postgres.${PROJECT_REF}:fixture-db-password@aws-0-eu-central-1.pooler.supabase.com:5432/postgres`;
export const FIXTURE_DATABASE_URL = "postgresql://postgres:fixture-password@127.0.0.1:54329/postgres";
/** What closure serialization puts into `__provider`: code, not configuration. */
const SERIALIZED_PROVIDER = "exports.handler = __f0;\nfunction __f0() { return { create: async (inputs) => ({ id: '1', outs: inputs }) }; }";

let cachedMigrations: MigrationFile[] | undefined;
export function realMigrations(): MigrationFile[] {
  cachedMigrations ??= loadMigrations();
  return cachedMigrations;
}

export function compliantStack(options: FixtureOptions = {}): RegisteredResource[] {
  const stack = options.stack ?? "dev";
  const target = options.target ?? "supabase";
  const migrations = options.migrations ?? realMigrations();
  const grants = options.grants ?? ALL_GRANTS;
  const production = stack.startsWith("prod");
  const stackUrn = `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`;
  const componentUrn = `urn:pulumi:${stack}::${PROJECT}::${COMPONENT_TYPE}::analytics`;
  const childUrn = (type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${COMPONENT_TYPE}$${type}::${name}`;
  const resources: RegisteredResource[] = [
    resource({ urn: stackUrn, type: "pulumi:pulumi:Stack", name: `${PROJECT}-${stack}`, custom: false }),
    resource({ urn: componentUrn, type: COMPONENT_TYPE, name: "analytics", custom: false, parent: stackUrn }),
  ];
  const add = (type: string, name: string, inputs: Record<string, unknown>, extra: Partial<RegisteredResource> = {}): string => {
    const urn = childUrn(type, name);
    const dynamic = type.startsWith("pulumi-nodejs:dynamic/");
    const allInputs = dynamic ? { ...inputs, __provider: SERIALIZED_PROVIDER } : inputs;
    resources.push(resource({ urn, type, name, parent: componentUrn, inputs: allInputs, ...extra }));
    return urn;
  };
  const database = (dependencies: string[]): Partial<RegisteredResource> => ({
    dependencies,
    additionalSecretOutputs: ["connection"],
    secretInputs: ["connection"],
    retainOnDelete: production,
  });

  let projectUrn: string | undefined;
  let postgrestUrn: string | undefined;
  if (target !== "postgres") {
    const passwordUrn = target === "supabase" ? add("random:index/randomPassword:RandomPassword", "db-password", { length: 40, special: false }) : undefined;
    const projectInputs =
      target === "supabase"
        ? { name: "learning-analytics-dev", organizationSlug: "learning-org", region: "eu-central-1", instanceSize: "micro", dbPass: "fixture-db-password" }
        : { projectRef: PROJECT_REF, dbPass: "fixture-db-password" };
    projectUrn = add(RESOURCE_TYPES.project, "project", projectInputs, {
      dependencies: passwordUrn ? [passwordUrn] : [],
      additionalSecretOutputs: ["connection", "dbPass", "accessToken"],
      secretInputs: ["dbPass"],
      protect: production,
    });
    postgrestUrn = add(RESOURCE_TYPES.postgrestConfig, "postgrest-config", { projectRef: PROJECT_REF, schemas: ["analytics"] }, { dependencies: [projectUrn], additionalSecretOutputs: ["accessToken"] });
  }
  const connection = target === "postgres" ? FIXTURE_DATABASE_URL : FIXTURE_POOLER_URL;
  const connectionSource = projectUrn ? [projectUrn] : [];

  const extensionUrn = add(RESOURCE_TYPES.extension, "extension-pg_cron", { connection, name: "pg_cron", schema: "pg_catalog" }, database(connectionSource));
  let previous: string | undefined;
  for (const file of migrations) {
    const urn = add(
      RESOURCE_TYPES.migration,
      `migration-${file.version}`,
      { connection, version: file.version, name: file.name, sql: file.sql, checksum: file.checksum, allowOutOfOrder: false },
      database([...connectionSource, ...(previous ? [previous] : [])]),
    );
    previous = urn;
  }
  // Everything after the chain waits for its newest link.
  const schemaReady = previous ? [previous] : [];
  const grantUrns = new Map<string, string>();
  for (const grant of grants) {
    const onAnalytics = grant.object === "analytics" || grant.object.startsWith("analytics.");
    const name = grantResourceName(grant);
    const urn = add(
      RESOURCE_TYPES.grant,
      name,
      { connection, role: grant.role, privilege: grant.privilege, objectType: grant.objectType, object: grant.object },
      database([...connectionSource, ...schemaReady, ...(onAnalytics && postgrestUrn ? [postgrestUrn] : [])]),
    );
    grantUrns.set(name, urn);
  }
  add(
    RESOURCE_TYPES.cronJob,
    "cron-refresh-analytics-views",
    { connection, jobName: "refresh-analytics-views", schedule: "*/30 * * * *", command: "select analytics.refresh_all_views()", active: true },
    database([...connectionSource, extensionUrn, ...schemaReady]),
  );
  if (projectUrn) {
    const hookGrants = HOOK_GRANTS.map((grant) => grantUrns.get(grantResourceName(grant))).filter((urn): urn is string => urn !== undefined);
    add(
      RESOURCE_TYPES.authHook,
      "auth-hook-custom-access-token",
      { projectRef: PROJECT_REF, hook: "custom_access_token", enabled: true, uri: CUSTOM_ACCESS_TOKEN_HOOK_URI },
      { dependencies: [projectUrn, ...schemaReady, ...hookGrants], additionalSecretOutputs: ["accessToken"] },
    );
  }
  return resources;
}

function resource(fields: Partial<RegisteredResource> & Pick<RegisteredResource, "urn" | "type" | "name">): RegisteredResource {
  return {
    custom: true,
    inputs: {},
    secretInputs: [],
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    additionalSecretOutputs: [],
    ...fields,
  };
}

/** A copy of `resources` with the resource named `name` changed (or removed, when `change` returns null). */
export function changed(
  resources: readonly RegisteredResource[],
  name: string,
  change: (resource: RegisteredResource) => RegisteredResource | null | void,
): RegisteredResource[] {
  if (!resources.some((candidate) => candidate.name === name)) throw new Error(`fixture has no resource named ${name}`);
  return resources.flatMap((candidate) => {
    if (candidate.name !== name) return [structuredClone(candidate)];
    const copy = structuredClone(candidate);
    const result = change(copy);
    return result === null ? [] : [result ?? copy];
  });
}

export function withInputs(resources: readonly RegisteredResource[], name: string, inputs: Record<string, unknown>): RegisteredResource[] {
  return changed(resources, name, (resource) => {
    resource.inputs = { ...resource.inputs, ...inputs };
  });
}

export function urnOf(resources: readonly RegisteredResource[], name: string): string {
  const found = resources.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`fixture has no resource named ${name}`);
  return found.urn;
}

/** The policy engine's view of a fixture. */
export function asPolicyResources(resources: readonly RegisteredResource[]): PolicyResource[] {
  return toPolicyResources(resources);
}
