// The program's resource graph under Pulumi mocks, for every target: the exact resources, the
// migration chain, every ordering edge, and secrets that stay secret.
import { ALL_GRANTS, grantResourceName, HOOK_GRANTS } from "../../infra/adminSurface";
import { loadMigrations, parseMigrationFile } from "../../infra/migrations";
import { buildStack, readStackExpectedSchema } from "../../infra/program";
import { unpackExpectedSchema } from "../../infra/postgres";
import { parseStackConfig } from "../../infra/config";
import { mockOutputs, RegisteredResource, registerProgram, runProgramUnderMocks } from "../support/mockProgram";
import { runUnderMocks } from "../support/pulumiRuntime";

const COMPONENT = "supabase-analytics:index:AnalyticsFoundation";
const MIGRATIONS = loadMigrations();
const VERSIONS = MIGRATIONS.map((migration) => migration.version);
/** sql/schema.json, handed in explicitly where a test adds a migration the file does not cover. */
const EXPECTED_SCHEMA = readStackExpectedSchema("sql/migrations");
/** The chain's newest link: what every resource after the chain waits for. */
const NEWEST_MIGRATION = `migration-${VERSIONS[VERSIONS.length - 1]}`;

function byName(resources: RegisteredResource[]): Map<string, RegisteredResource> {
  return new Map(resources.map((resource) => [resource.name, resource]));
}

function dependsOn(resources: Map<string, RegisteredResource>, name: string, dependency: string): boolean {
  const resource = resources.get(name);
  const target = resources.get(dependency);
  if (!resource || !target) throw new Error(`no resource ${resource ? dependency : name}`);
  return resource.dependencies.includes(target.urn);
}

const databaseResources = [
  "extension-pg_cron",
  ...VERSIONS.map((version) => `migration-${version}`),
  ...ALL_GRANTS.map(grantResourceName),
  "cron-refresh-analytics-views",
  "schema",
];

describe.each([
  { stack: "dev", target: "supabase" },
  { stack: "prod", target: "supabase" },
  { stack: "local", target: "postgres" },
])("stack $stack (target $target)", ({ stack, target }) => {
  let resources: RegisteredResource[];
  let named: Map<string, RegisteredResource>;
  beforeAll(async () => {
    resources = await registerProgram({ stack });
    named = byName(resources);
  });

  it("registers exactly the expected resources, with their types, under the component", () => {
    const supabaseOnly =
      target === "supabase"
        ? [
            ["db-password", "random:index/randomPassword:RandomPassword"],
            ["project", "pulumi-nodejs:dynamic/supabase:Project"],
            ["database-connection", "pulumi-nodejs:dynamic/supabase:DatabaseConnection"],
            ["postgrest-config", "pulumi-nodejs:dynamic/supabase:PostgrestConfig"],
            ["auth-hook-custom-access-token", "pulumi-nodejs:dynamic/supabase:AuthHook"],
          ]
        : [];
    const typeOf = (name: string) =>
      name.startsWith("migration-")
        ? "pulumi-nodejs:dynamic/postgres:Migration"
        : name.startsWith("grant-")
          ? "pulumi-nodejs:dynamic/postgres:Grant"
          : name.startsWith("cron-")
            ? "pulumi-nodejs:dynamic/postgres:CronJob"
            : name === "schema"
              ? "pulumi-nodejs:dynamic/postgres:Schema"
              : "pulumi-nodejs:dynamic/postgres:Extension";
    const expected = [
      ["analytics", COMPONENT],
      ...supabaseOnly,
      ...databaseResources.map((name) => [name, typeOf(name)]),
    ].sort();
    expect(resources.map((resource) => [resource.name, resource.type]).sort()).toEqual(expected);
    const component = named.get("analytics")!;
    for (const resource of resources.filter((r) => r.name !== "analytics")) {
      expect({ name: resource.name, parent: resource.parent }).toEqual({ name: resource.name, parent: component.urn });
    }
  });

  it("watches the schema after the newest migration, leaving the admin surface to the Grants", () => {
    const schema = named.get("schema")!;
    expect(dependsOn(named, "schema", `migration-${VERSIONS.at(-1)}`)).toBe(true);
    expect(schema.inputs.managedGrants).toEqual(ALL_GRANTS.map(({ role, privilege, objectType, object }) => ({ role, privilege, objectType, object })));
    expect(unpackExpectedSchema(schema.inputs.expected as string)).toMatchObject({ ownedSchemas: ["analytics"], migrations: MIGRATIONS.map((migration) => `${migration.version} ${migration.checksum}`) });
  });

  it("chains the migrations in version order", () => {
    expect(VERSIONS).toEqual([...VERSIONS].sort());
    VERSIONS.forEach((version, index) => {
      const migration = named.get(`migration-${version}`)!;
      expect(migration.inputs).toMatchObject({ version, checksum: MIGRATIONS[index].checksum });
      const migrationDeps = migration.dependencies.filter((urn) => urn.includes("dynamic/postgres:Migration"));
      const expected = index === 0 ? [] : [named.get(`migration-${VERSIONS[index - 1]}`)!.urn];
      expect({ version, migrationDeps }).toEqual({ version, migrationDeps: expected });
    });
  });

  it("orders the cron job after pg_cron and the newest migration, with the 30-minute schedule", () => {
    expect(dependsOn(named, "cron-refresh-analytics-views", "extension-pg_cron")).toBe(true);
    expect(dependsOn(named, "cron-refresh-analytics-views", NEWEST_MIGRATION)).toBe(true);
    expect(named.get("cron-refresh-analytics-views")!.inputs).toMatchObject({
      jobName: "refresh-analytics-views",
      schedule: "*/30 * * * *",
      command: "select analytics.refresh_all_views()",
      active: true,
    });
  });

  it("orders each grant after the newest migration (a later one may re-create its object)", () => {
    for (const grant of ALL_GRANTS) {
      expect({ grant: grantResourceName(grant), ok: dependsOn(named, grantResourceName(grant), NEWEST_MIGRATION) }).toEqual({
        grant: grantResourceName(grant),
        ok: true,
      });
      expect(named.get(grantResourceName(grant))!.inputs).toMatchObject({
        role: grant.role,
        privilege: grant.privilege,
        objectType: grant.objectType,
        object: grant.object,
      });
    }
  });

  it("keeps the connection secret on every database resource", () => {
    for (const name of databaseResources) {
      const resource = named.get(name)!;
      expect({ name, secretInputs: resource.secretInputs, aso: resource.additionalSecretOutputs }).toEqual({
        name,
        secretInputs: expect.arrayContaining(["connection"]),
        aso: expect.arrayContaining(["connection"]),
      });
    }
  });

  it(`${stack.startsWith("prod") ? "protects" : "does not protect"} the project and ${stack.startsWith("prod") ? "retains" : "does not retain"} database objects`, () => {
    const production = stack.startsWith("prod");
    for (const name of databaseResources) expect({ name, retain: named.get(name)!.retainOnDelete }).toEqual({ name, retain: production });
    if (target === "supabase") expect(named.get("project")!.protect).toBe(production);
  });

  if (target === "supabase") {
    it("exposes analytics through PostgREST once the migrations ran, and before the analytics grants", () => {
      expect(named.get("postgrest-config")!.inputs).toMatchObject({ schemas: ["analytics"] });
      expect(dependsOn(named, "postgrest-config", NEWEST_MIGRATION)).toBe(true);
      for (const grant of ALL_GRANTS.filter((g) => g.object.startsWith("analytics"))) {
        expect({ grant: grantResourceName(grant), ok: dependsOn(named, grantResourceName(grant), "postgrest-config") }).toEqual({
          grant: grantResourceName(grant),
          ok: true,
        });
      }
    });

    it("registers the auth hook after the newest migration and its grants", () => {
      expect(dependsOn(named, "auth-hook-custom-access-token", NEWEST_MIGRATION)).toBe(true);
      for (const grant of HOOK_GRANTS) expect(dependsOn(named, "auth-hook-custom-access-token", grantResourceName(grant))).toBe(true);
      expect(named.get("auth-hook-custom-access-token")!.inputs).toMatchObject({
        hook: "custom_access_token",
        enabled: true,
        uri: "pg-functions://postgres/public/custom_access_token_hook",
      });
    });

    it("creates the project with the random password as a secret, and the token as a secret", () => {
      const project = named.get("project")!;
      expect(project.secretInputs).toEqual(expect.arrayContaining(["dbPass", "accessToken"]));
      expect(project.additionalSecretOutputs).toEqual(expect.arrayContaining(["connection", "dbPass"]));
      expect(project.inputs).toMatchObject({ organizationSlug: "learning-app", region: "eu-central-1", name: `supabase-analytics-${stack}` });
      expect(project.dependencies).toContain(named.get("db-password")!.urn);
    });
  }
});

describe("target supabase-existing", () => {
  it("adopts the project by ref, with no random password, and still registers the hook", async () => {
    const named = byName(
      await registerProgram({
        stack: "staging",
        config: { target: "supabase-existing", projectRef: "zyxwvutsrqponmlkjihg", dbPassword: "existing-pw" },
        secretConfig: ["dbPassword"],
      }),
    );
    expect(named.has("db-password")).toBe(false);
    expect(named.get("project")!.inputs).toMatchObject({ projectRef: "zyxwvutsrqponmlkjihg", dbPass: "existing-pw" });
    expect(named.get("project")!.secretInputs).toContain("dbPass");
    expect(named.has("postgrest-config")).toBe(true);
    expect(named.has("auth-hook-custom-access-token")).toBe(true);
  });
});

describe("stack outputs", () => {
  it("exports the ref, API URL, versions, schedule and hook URI, and the credential only as a secret", async () => {
    const { outputs } = await runProgramUnderMocks({ stack: "dev" });
    expect(outputs).toEqual({
      target: "supabase",
      projectRef: "abcdefghijklmnopqrst",
      apiUrl: "https://abcdefghijklmnopqrst.supabase.co",
      migrationVersions: VERSIONS,
      refreshSchedule: "*/30 * * * *",
      hookUri: "pg-functions://postgres/public/custom_access_token_hook",
      databaseUrl: "[secret]",
    });
  });
});

describe("configuration errors", () => {
  it("stop the program before any resource is registered", async () => {
    const attempt = runProgramUnderMocks({ stack: "dev", config: { target: "supabase", region: "" } });
    await expect(attempt).rejects.toThrow(/supabase-analytics:region: required for target supabase/);
  });

  it("refuse a migration file with a bad name before any resource is registered", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
    fs.writeFileSync(path.join(dir, "2026_bad.sql"), "select 1;\n");
    const registered: string[] = [];
    const attempt = runUnderMocks(
      { stack: "local", config: { target: "postgres", databaseUrl: "postgresql://u:p@h/db", migrationsDir: dir }, secretConfig: ["databaseUrl"] },
      async (resource) => {
        registered.push(resource.name);
        return mockOutputs(resource);
      },
      () => require("../../infra/program").runProgram(),
    );
    await expect(attempt).rejects.toThrow(/2026_bad\.sql: file name must be <14-digit UTC timestamp>_<lowercase_name>\.sql/);
    expect(registered).toEqual([]);
  });
});

describe("a new migration file", () => {
  it("adds exactly one resource, at the end of the chain", async () => {
    const config = parseStackConfig(
      { target: { value: "postgres", secret: false }, databaseUrl: { value: "postgresql://u:p@h/db", secret: true } },
      "local",
    );
    const run = async (files: typeof MIGRATIONS) =>
      (await runUnderMocks({ stack: "local" }, async (resource) => mockOutputs(resource), () => buildStack(config, files, EXPECTED_SCHEMA))).resources;
    const before = await run(MIGRATIONS);
    const extra = parseMigrationFile("sql/migrations/20260301000000_extra_index.sql", "-- extra\ncreate index if not exists x on public.tracks (slug);\n");
    const after = await run([...MIGRATIONS, extra]);
    const names = (resources: RegisteredResource[]) => resources.map((resource) => resource.name).sort();
    expect(names(after)).toEqual([...names(before), "migration-20260301000000"].sort());
    const added = byName(after).get("migration-20260301000000")!;
    expect(added.dependencies).toContain(byName(after).get(`migration-${VERSIONS[VERSIONS.length - 1]}`)!.urn);
  });
});
