// AnalyticsFoundation: the whole deployment as one component, for every target.
//
//   RandomPassword ─► Project                       (target supabase; adopted for supabase-existing)
//                        │
//                        ▼ connection (or databaseUrl for target postgres)
//   Extension pg_cron, Migration chain ─► PostgrestConfig (once schema analytics exists),
//   Grants, CronJob, AuthHook
//
// Each step is a named method below, so the order of the graph reads top to bottom.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AdminGrant, CUSTOM_ACCESS_TOKEN_HOOK_URI, grantResourceName, HOOK_GRANTS, MIGRATION_VERSIONS } from "./adminSurface";
import { migrationFingerprints } from "./expectedSchema";
import { MigrationFile } from "./migrations";
import { CronJob, ExpectedSchema, Extension, Grant, Migration, Schema } from "./postgres";
import { AuthHook, PostgrestConfig, Project } from "./supabase";
import type { SupabaseApiConfig } from "./config";

export const REFRESH_JOB_NAME = "refresh-analytics-views";
export const REFRESH_COMMAND = "select analytics.refresh_all_views()";
export const API_SCHEMA = "analytics";

/** Where the database lives. */
export type AnalyticsFoundationTarget =
  | {
      kind: "supabase";
      /** Display name of the new project. */
      projectName: string;
      organizationSlug: string;
      region: string;
      /** Unset: the platform's smallest for the plan. */
      instanceSize?: string;
      provisioningTimeoutMinutes: number;
      api: SupabaseApiConfig;
    }
  | {
      kind: "supabase-existing";
      /** Reference id of the project to adopt; it is never modified or deleted at the project level. */
      projectRef: string;
      /** The project's database password (secret). */
      dbPassword: pulumi.Input<string>;
      api: SupabaseApiConfig;
    }
  | {
      kind: "postgres";
      /** PostgreSQL URL with credentials (secret); the database must allow `create extension pg_cron`. */
      databaseUrl: pulumi.Input<string>;
    };

export interface AnalyticsFoundationArgs {
  target: AnalyticsFoundationTarget;
  /** The files of sql/migrations in version order; each becomes one Migration resource. */
  migrations: readonly MigrationFile[];
  /** The declared admin surface (infra/adminSurface.ts): one Grant resource each. */
  grants: readonly AdminGrant[];
  /**
   * What a fresh deploy of `migrations` leaves (sql/schema.json): the Schema resource reports
   * and repairs every difference of the live database from it. None: no Schema resource.
   */
  expectedSchema?: ExpectedSchema;
  /**
   * pg_cron schedule of the `refresh-analytics-views` job.
   * @default "*\/30 * * * *"
   */
  refreshSchedule: string;
  /**
   * Apply a migration older than the newest recorded one instead of failing.
   * @default false
   */
  allowOutOfOrder?: boolean;
  /**
   * `protect` the Supabase project, so that `pulumi destroy` cannot delete it.
   * @default false (true on prod stacks, from config)
   */
  protectProject?: boolean;
  /**
   * `retainOnDelete` on every database object (extension, migrations, grants, job): removing
   * them from the stack leaves them in the database.
   * @default false (true on prod stacks, from config)
   */
  retainDatabaseObjects?: boolean;
}

export interface AnalyticsFoundationOutputs {
  projectRef?: pulumi.Output<string>;
  apiUrl?: pulumi.Output<string>;
  /** Secret: the URL the database resources use, with its password. */
  connection: pulumi.Output<string>;
  migrationVersions: pulumi.Output<string[]>;
  refreshSchedule: pulumi.Output<string>;
  hookUri?: pulumi.Output<string>;
}

export class AnalyticsFoundation extends pulumi.ComponentResource {
  readonly projectRef?: pulumi.Output<string>;
  readonly apiUrl?: pulumi.Output<string>;
  readonly connection: pulumi.Output<string>;
  readonly migrationVersions: pulumi.Output<string[]>;
  readonly refreshSchedule: pulumi.Output<string>;
  readonly hookUri?: pulumi.Output<string>;

  private readonly args: AnalyticsFoundationArgs;

  constructor(name: string, args: AnalyticsFoundationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("supabase-analytics:index:AnalyticsFoundation", name, {}, opts);
    this.args = args;

    const project = this.createProject();
    // A project's connection is set by every create and update that succeeds (it is optional
    // only in what a failed create records).
    const projectConnection = project?.connection as pulumi.Output<string> | undefined;
    this.connection = pulumi.secret(projectConnection ?? pulumi.output(this.postgresTarget().databaseUrl));

    const extension = this.createExtension();
    const migrations = this.createMigrations();
    const postgrestConfig = project && this.createPostgrestConfig(project, migrations);
    const grants = this.createGrants(migrations, postgrestConfig);
    const cronJob = this.createCronJob(extension, migrations);
    this.createSchema(migrations);
    const authHook = project && this.createAuthHook(project, migrations, grants);

    this.projectRef = project?.ref;
    this.apiUrl = project?.apiUrl;
    this.migrationVersions = pulumi.all([...migrations.values()].map((migration) => migration.version));
    this.refreshSchedule = cronJob.schedule;
    this.hookUri = authHook?.uri;
    this.registerOutputs({
      projectRef: this.projectRef,
      apiUrl: this.apiUrl,
      connection: this.connection,
      migrationVersions: this.migrationVersions,
      refreshSchedule: this.refreshSchedule,
      hookUri: this.hookUri,
    });
  }

  private postgresTarget() {
    const { target } = this.args;
    if (target.kind !== "postgres") throw new Error(`target ${target.kind} has no databaseUrl`);
    return target;
  }

  /** Token and base URL for the Management API; absent ones are read from the environment at call time. */
  private supabaseApi(): { accessToken?: pulumi.Output<string>; apiUrl?: string } {
    const { target } = this.args;
    if (target.kind === "postgres") return {};
    return {
      ...(target.api.accessToken ? { accessToken: pulumi.secret(target.api.accessToken) } : {}),
      ...(target.api.apiUrl ? { apiUrl: target.api.apiUrl } : {}),
    };
  }

  private databaseOptions(dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions {
    return { parent: this, dependsOn, retainOnDelete: this.args.retainDatabaseObjects ?? false };
  }

  /** The Supabase project: created (with a random password) or adopted. None for target postgres. */
  private createProject(): Project | undefined {
    const { target } = this.args;
    if (target.kind === "postgres") return undefined;
    const api = this.supabaseApi();
    const protect = this.args.protectProject ?? false;
    if (target.kind === "supabase-existing") {
      return new Project(
        "project",
        { projectRef: target.projectRef, dbPass: pulumi.secret(target.dbPassword), ...api },
        { parent: this, protect },
      );
    }
    // Letters and digits only: the password goes into a connection URL unescaped by other tools.
    const password = new random.RandomPassword("db-password", { length: 40, special: false }, { parent: this });
    return new Project(
      "project",
      {
        name: target.projectName,
        organizationSlug: target.organizationSlug,
        region: target.region,
        instanceSize: target.instanceSize,
        dbPass: password.result,
        provisioningTimeoutMinutes: target.provisioningTimeoutMinutes,
        ...api,
      },
      { parent: this, protect },
    );
  }

  /**
   * Exposes schema analytics to the Data API, so `supabase.schema('analytics').rpc(...)` works.
   * It waits for the migration that creates the schema: PostgREST cannot load a schema cache
   * that names a schema which does not exist.
   */
  private createPostgrestConfig(project: Project, migrations: Map<string, Migration>): PostgrestConfig {
    const schemaMigration = this.requireMigration(migrations, MIGRATION_VERSIONS.rbac, "creates schema analytics");
    return new PostgrestConfig(
      "postgrest-config",
      { projectRef: project.ref, schemas: [API_SCHEMA], ...this.supabaseApi() },
      { parent: this, dependsOn: [schemaMigration] },
    );
  }

  private createExtension(): Extension {
    return new Extension(
      "extension-pg_cron",
      { connection: this.connection, name: "pg_cron", schema: "pg_catalog" },
      this.databaseOptions(),
    );
  }

  /** One resource per file, each waiting for its predecessor: the files apply in version order. */
  private createMigrations(): Map<string, Migration> {
    const created = new Map<string, Migration>();
    let previous: Migration | undefined;
    for (const file of this.args.migrations) {
      const migration: Migration = new Migration(
        `migration-${file.version}`,
        {
          connection: this.connection,
          version: file.version,
          name: file.name,
          sql: file.sql,
          checksum: file.checksum,
          allowOutOfOrder: this.args.allowOutOfOrder ?? false,
          ...(file.downSql === undefined ? {} : { downSql: file.downSql }),
        },
        this.databaseOptions(previous ? [previous] : []),
      );
      created.set(file.version, migration);
      previous = migration;
    }
    return created;
  }

  private requireMigration(migrations: Map<string, Migration>, version: string, purpose: string): Migration {
    const migration = migrations.get(version);
    if (!migration) {
      throw new Error(`sql/migrations has no migration ${version}, which ${purpose}; restore the file`);
    }
    return migration;
  }

  /** Each Grant waits for the migration that creates its object; analytics grants also for PostgREST. */
  private createGrants(migrations: Map<string, Migration>, postgrestConfig?: PostgrestConfig): Map<string, Grant> {
    const created = new Map<string, Grant>();
    for (const grant of this.args.grants) {
      const creator = this.requireMigration(migrations, grant.createdBy, `creates ${grant.object}`);
      const onAnalytics = grant.object === API_SCHEMA || grant.object.startsWith(`${API_SCHEMA}.`);
      const dependsOn: pulumi.Resource[] = [creator, ...(onAnalytics && postgrestConfig ? [postgrestConfig] : [])];
      const name = grantResourceName(grant);
      created.set(
        name,
        new Grant(
          name,
          {
            connection: this.connection,
            role: grant.role,
            privilege: grant.privilege,
            objectType: grant.objectType,
            object: grant.object,
          },
          this.databaseOptions(dependsOn),
        ),
      );
    }
    return created;
  }

  /**
   * The objects the migrations own, watched against the expected schema. It waits for the
   * newest migration; the admin surface's privileges are the Grant resources' and left out.
   */
  private createSchema(migrations: Map<string, Migration>): Schema | undefined {
    const { expectedSchema } = this.args;
    if (!expectedSchema) return undefined;
    const newest = [...migrations.values()].at(-1);
    const managedGrants = this.args.grants.map(({ role, privilege, objectType, object }) => ({ role, privilege, objectType, object }));
    return new Schema(
      "schema",
      { connection: this.connection, expected: expectedSchema, managedGrants, migrations: migrationFingerprints(this.args.migrations) },
      this.databaseOptions(newest ? [newest] : []),
    );
  }

  /** The 30-minute refresh: needs pg_cron and the refresh function. */
  private createCronJob(extension: Extension, migrations: Map<string, Migration>): CronJob {
    const refreshFunctions = this.requireMigration(migrations, MIGRATION_VERSIONS.refreshFunctions, "creates analytics.refresh_all_views()");
    return new CronJob(
      "cron-refresh-analytics-views",
      {
        connection: this.connection,
        jobName: REFRESH_JOB_NAME,
        schedule: this.args.refreshSchedule,
        command: REFRESH_COMMAND,
        active: true,
      },
      this.databaseOptions([extension, refreshFunctions]),
    );
  }

  /**
   * Registers the hook last: a hook registered before its function exists, or before
   * supabase_auth_admin may execute it, breaks every login.
   */
  private createAuthHook(project: Project, migrations: Map<string, Migration>, grants: Map<string, Grant>): AuthHook {
    const hookMigration = this.requireMigration(migrations, MIGRATION_VERSIONS.customAccessTokenHook, "creates the hook function");
    const hookGrants = HOOK_GRANTS.map((grant) => grants.get(grantResourceName(grant))).filter(
      (grant): grant is Grant => grant !== undefined,
    );
    return new AuthHook(
      "auth-hook-custom-access-token",
      { projectRef: project.ref, hook: "custom_access_token", enabled: true, uri: CUSTOM_ACCESS_TOKEN_HOOK_URI, ...this.supabaseApi() },
      { parent: this, dependsOn: [hookMigration, ...hookGrants] },
    );
  }
}
