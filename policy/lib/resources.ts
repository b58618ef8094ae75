// The resource types of the stack as the policy engine sees them: type tokens of the dynamic
// resources, the props each policy reads, and small accessors over PolicyResource.
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";

export const RESOURCE_TYPES = {
  extension: "pulumi-nodejs:dynamic/postgres:Extension",
  migration: "pulumi-nodejs:dynamic/postgres:Migration",
  grant: "pulumi-nodejs:dynamic/postgres:Grant",
  cronJob: "pulumi-nodejs:dynamic/postgres:CronJob",
  schema: "pulumi-nodejs:dynamic/postgres:Schema",
  project: "pulumi-nodejs:dynamic/supabase:Project",
  postgrestConfig: "pulumi-nodejs:dynamic/supabase:PostgrestConfig",
  authHook: "pulumi-nodejs:dynamic/supabase:AuthHook",
} as const;
export type ResourceKind = keyof typeof RESOURCE_TYPES;

export interface GrantProps {
  role: string;
  privilege: string;
  objectType: string;
  object: string;
}
export interface CronJobProps {
  jobName: string;
  schedule: string;
  command: string;
  active: boolean;
}
export interface MigrationProps {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}
export interface SchemaProps {
  /** One line per difference of the live database from its migrations. */
  drift: string[];
  /** The security-relevant ones. */
  securityDrift: string[];
}
export interface ExtensionProps {
  name: string;
  schema: string;
}
export interface AuthHookProps {
  projectRef: string;
  hook: string;
  enabled: boolean;
  uri: string;
}

/**
 * What the engine tells a policy about a resource's options. `retainOnDelete` is not part of the
 * analyzer protocol of @pulumi/policy 1.21; a host that knows it (the tests' converter) adds it.
 */
export type ResourceOptions = PolicyResourceOptions & { retainOnDelete?: boolean };

export function ofType(resources: readonly PolicyResource[], kind: ResourceKind): PolicyResource[] {
  return resources.filter((resource) => resource.type === RESOURCE_TYPES[kind]);
}

/** `Grant "grant-anon-analytics.x"`: how messages name a resource. */
export function describeResource(resource: { type: string; name: string }): string {
  const shortType = resource.type.slice(resource.type.lastIndexOf(":") + 1);
  return `${shortType} "${resource.name}"`;
}

/** The file a Migration resource was made from, for messages. */
export function migrationFile(props: Pick<MigrationProps, "version" | "name">): string {
  return `sql/migrations/${props.version}_${props.name}.sql`;
}
