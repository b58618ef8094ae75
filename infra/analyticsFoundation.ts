// AnalyticsFoundation: the whole deployment as one component, for every target.
//
//   RandomPassword ─► Project                       (target supabase; adopted for supabase-existing)
//                        │ id (the ref)
//                        ▼
//                     DatabaseConnection ─► connection (or databaseUrl for target postgres)
//   Extension pg_cron, Migration chain ─► PostgrestConfig, Grants, CronJob, AuthHook
//
// Everything after the chain waits for its newest link, never for a migration named by version:
// the objects a resource needs may be created by one migration and re-created by a later one
// (which keeps their privileges with analytics.save_privileges()/restore_privileges()), and
// only the whole chain says they are in their final shape.
//
// Each step is a named method below, so the order of the graph reads top to bottom.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AdminGrant, ANALYTICS_SCHEMA, CUSTOM_ACCESS_TOKEN_HOOK_URI, grantResourceName, HOOK_GRANTS, REFRESH_JOB } from "./adminSurface";
import { migrationFingerprints } from "./expectedSchema";
import { MigrationFile } from "./migrations";
import { CronJob, ExpectedSchema, Extension, Grant, Migration, packExpectedSchema, Schema } from "./postgres/resources";
import { AuthHook, DatabaseConnection, PostgrestConfig, Project } from "./supabase/resources";
import type { SupabaseApiConfig } from "./config";

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
  /**
   * Where the database lives: a new Supabase project, an adopted one, or any PostgreSQL with pg_cron.
   * @default none (required)
   */
  target: AnalyticsFoundationTarget;
  /**
   * The files of sql/migrations in version order; each becomes one Migration resource.
   * @default none (required)
   */
  migrations: readonly MigrationFile[];
  /**
   * The declared admin surface (infra/adminSurface.ts): one Grant resource each.
   * @default none (required)
   */
  grants: readonly AdminGrant[];
  /**
   * What a fresh deploy of `migrations` leaves (sql/schema.json): the Schema resource reports
   * and repairs every difference of the live database from it.
   * @default none: no Schema resource (the program always passes sql/schema.json)
   */
  expectedSchema?: ExpectedSchema;
  /**
   * pg_cron schedule of the `refresh-analytics-views` job.
   * @default "*\/30 * * * *" (REFRESH_JOB.defaultSchedule, from config)
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
    // DatabaseConnection's create and update always record the URL (it is optional only as check's input).
    const projectConnection = project && (this.createDatabaseConnection(project.resource, project.dbPass).connection as pulumi.Output<string>);
    this.connection = pulumi.secret(projectConnection ?? pulumi.output(this.postgresTarget().databaseUrl));

    const extension = this.createExtension();
    const migrations = this.createMigrations();
    // The chain's newest link (none without migrations): the database objects in their final shape.
    const schemaReady = migrations.slice(-1);
    const postgrestConfig = project && this.createPostgrestConfig(project.resource, schemaReady);
    const grants = this.createGrants(schemaReady, postgrestConfig);
    const cronJob = this.createCronJob(extension, schemaReady);
    this.createSchema(schemaReady);
    const authHook = project && this.createAuthHook(project.resource, schemaReady, grants);

    this.projectRef = project?.resource.ref;
    this.apiUrl = project?.resource.apiUrl;
    this.migrationVersions = pulumi.all(migrations.map((migration) => migration.version));
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

  /** The Supabase project and its database password: created (with a random password) or adopted. None for target postgres. */
  private createProject(): { resource: Project; dbPass: pulumi.Input<string> } | undefined {
    const { target } = this.args;
    if (target.kind === "postgres") return undefined;
    const api = this.supabaseApi();
    const protect = this.args.protectProject ?? false;
    if (target.kind === "supabase-existing") {
      const dbPass = pulumi.secret(target.dbPassword);
      return { resource: new Project("project", { projectRef: target.projectRef, dbPass, ...api }, { parent: this, protect }), dbPass };
    }
    // Letters and digits only: the password goes into a connection URL unescaped by other tools.
    const password = new random.RandomPassword("db-password", { length: 40, special: false }, { parent: this });
    const resource = new Project(
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
    return { resource, dbPass: password.result };
  }

  /**
   * The session-pooler URL the database resources use. Not the Project's `connection` output:
   * that one is unknown in the preview of any Project update (which gets back its new inputs
   * only), so every database resource would preview an update. The project's id (its ref)
   * stays known, and DatabaseConnection works the URL out in check (infra/supabase/databaseConnection.ts).
   */
  private createDatabaseConnection(project: Project, dbPass: pulumi.Input<string>): DatabaseConnection {
    return new DatabaseConnection("database-connection", { projectRef: project.id, dbPass, ...this.supabaseApi() }, { parent: this });
  }

  /**
   * Exposes schema analytics to the Data API, so `supabase.schema('analytics').rpc(...)` works.
   * It waits for the migrations: PostgREST cannot load a schema cache that names a schema
   * which does not exist.
   */
  private createPostgrestConfig(project: Project, schemaReady: Migration[]): PostgrestConfig {
    return new PostgrestConfig(
      "postgrest-config",
      // The id, not the output ref: it stays known while the project is updated, and projectRef is a replace key.
      { projectRef: project.id, schemas: [ANALYTICS_SCHEMA], ...this.supabaseApi() },
      { parent: this, dependsOn: schemaReady },
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
  private createMigrations(): Migration[] {
    const created: Migration[] = [];
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
      created.push(migration);
      previous = migration;
    }
    return created;
  }

  /** Each Grant waits for the migrations; analytics grants also for PostgREST. */
  private createGrants(schemaReady: Migration[], postgrestConfig?: PostgrestConfig): Map<string, Grant> {
    const created = new Map<string, Grant>();
    for (const grant of this.args.grants) {
      const onAnalytics = grant.object === ANALYTICS_SCHEMA || grant.object.startsWith(`${ANALYTICS_SCHEMA}.`);
      const dependsOn: pulumi.Resource[] = [...schemaReady, ...(onAnalytics && postgrestConfig ? [postgrestConfig] : [])];
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
  private createSchema(schemaReady: Migration[]): Schema | undefined {
    const { expectedSchema } = this.args;
    if (!expectedSchema) return undefined;
    const managedGrants = this.args.grants.map(({ role, privilege, objectType, object }) => ({ role, privilege, objectType, object }));
    return new Schema(
      "schema",
      { connection: this.connection, expected: packExpectedSchema(expectedSchema), managedGrants, migrations: migrationFingerprints(this.args.migrations) },
      this.databaseOptions(schemaReady),
    );
  }

  /** The 30-minute refresh: needs pg_cron and the refresh function. */
  private createCronJob(extension: Extension, schemaReady: Migration[]): CronJob {
    return new CronJob(
      `cron-${REFRESH_JOB.name}`,
      {
        connection: this.connection,
        jobName: REFRESH_JOB.name,
        schedule: this.args.refreshSchedule,
        command: REFRESH_JOB.command,
        active: true,
      },
      this.databaseOptions([extension, ...schemaReady]),
    );
  }

  /**
   * Registers the hook last: a hook registered before its function exists, or before
   * supabase_auth_admin may execute it, breaks every login.
   */
  private createAuthHook(project: Project, schemaReady: Migration[], grants: Map<string, Grant>): AuthHook {
    const hookGrants = HOOK_GRANTS.map((grant) => grants.get(grantResourceName(grant))).filter(
      (grant): grant is Grant => grant !== undefined,
    );
    return new AuthHook(
      "auth-hook-custom-access-token",
      { projectRef: project.id, hook: "custom_access_token", enabled: true, uri: CUSTOM_ACCESS_TOKEN_HOOK_URI, ...this.supabaseApi() },
      { parent: this, dependsOn: [...schemaReady, ...hookGrants] },
    );
  }
}
