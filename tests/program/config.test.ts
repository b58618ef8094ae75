// Stack configuration: every problem is reported at once, naming the key and the fix, and the
// project file declares every key the program reads.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  CONFIG_KEYS,
  ConfigError,
  parseStackConfig,
  RawConfig,
} from "../../infra/config";
import { REFRESH_JOB } from "../../infra/adminSurface";
import { REPO_ROOT } from "../support/cluster";

const plain = (value: string) => ({ value, secret: false });
const secret = (value: string) => ({ value, secret: true });
const DATABASE_URL = "postgresql://postgres:s3cr3t-value@127.0.0.1:54322/postgres";

function problemsOf(raw: RawConfig, stack = "dev"): string[] {
  try {
    parseStackConfig(raw, stack);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseStackConfig", () => {
  it("accepts a postgres target with a secret databaseUrl and applies the defaults", () => {
    const config = parseStackConfig({ target: plain("postgres"), databaseUrl: secret(DATABASE_URL) }, "local");
    expect(config).toEqual({
      target: "postgres",
      stack: "local",
      databaseUrl: DATABASE_URL,
      refreshSchedule: REFRESH_JOB.defaultSchedule,
      allowOutOfOrder: false,
      protectProject: false,
      retainDatabaseObjects: false,
      migrationsDir: "sql/migrations",
    });
  });

  it("accepts a supabase target and protects prod stacks by default", () => {
    const config = parseStackConfig(
      { target: plain("supabase"), organizationSlug: plain("learning-app"), region: plain("eu-central-1") },
      "prod",
    );
    expect(config).toMatchObject({
      target: "supabase",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      projectName: "supabase-analytics-prod",
      provisioningTimeoutMinutes: 10,
      protectProject: true,
      retainDatabaseObjects: true,
    });
  });

  it("leaves instanceSize unset unless the stack sets it (the platform then picks the plan's smallest)", () => {
    const base = { target: plain("supabase"), organizationSlug: plain("learning-app"), region: plain("eu-central-1") };
    expect(parseStackConfig(base, "dev")).not.toHaveProperty("instanceSize", expect.anything());
    expect(parseStackConfig({ ...base, instanceSize: plain("") }, "dev")).toMatchObject({ instanceSize: undefined });
    expect(parseStackConfig({ ...base, instanceSize: plain("small") }, "dev")).toMatchObject({ instanceSize: "small" });
  });

  it("accepts any organization slug the Management API's pattern allows (^[\\w-]+$), underscores included", () => {
    const config = parseStackConfig(
      { target: plain("supabase"), organizationSlug: plain("Learning_App-2"), region: plain("eu-central-1") },
      "dev",
    );
    expect(config).toMatchObject({ organizationSlug: "Learning_App-2" });
  });

  it("lets a stack override the prod defaults explicitly", () => {
    const config = parseStackConfig(
      { target: plain("postgres"), databaseUrl: secret(DATABASE_URL), protectProject: plain("false"), retainDatabaseObjects: plain("auto") },
      "prod-eu",
    );
    expect(config).toMatchObject({ protectProject: false, retainDatabaseObjects: true });
  });

  it("accepts supabase-existing with a secret password", () => {
    const config = parseStackConfig(
      { target: plain("supabase-existing"), projectRef: plain("abcdefghijklmnopqrst"), dbPassword: secret("pw") },
      "staging",
    );
    expect(config).toMatchObject({ target: "supabase-existing", projectRef: "abcdefghijklmnopqrst", dbPassword: "pw" });
  });

  it("rejects an unknown target, naming the key and the choices", () => {
    expect(problemsOf({ target: plain("aws") })).toEqual([
      'supabase-analytics:target: unknown target "aws"; use one of supabase, supabase-existing, postgres',
    ]);
  });

  it("requires organizationSlug and region for target supabase, with the command that sets them", () => {
    expect(problemsOf({ target: plain("supabase") })).toEqual([
      "supabase-analytics:organizationSlug: required for target supabase; set it with `pulumi config set organizationSlug <organization-slug>`",
      "supabase-analytics:region: required for target supabase; set it with `pulumi config set region eu-central-1`",
    ]);
  });

  it("refuses a databaseUrl that is not secret, without echoing it", () => {
    const problems = problemsOf({ target: plain("postgres"), databaseUrl: plain(DATABASE_URL) });
    expect(problems).toEqual([
      "supabase-analytics:databaseUrl: must be a secret (it holds a password); run `pulumi config rm databaseUrl` and set it again with `pulumi config set --secret databaseUrl <value>`",
    ]);
    expect(problems.join("\n")).not.toContain("s3cr3t-value");
  });

  it("refuses a databaseUrl that is not a PostgreSQL URL", () => {
    expect(problemsOf({ target: plain("postgres"), databaseUrl: secret("mysql://root:pw@host/db") })).toEqual([
      "supabase-analytics:databaseUrl: must be a postgresql:// URL (postgresql://user:password@host:port/database)",
    ]);
  });

  it("requires databaseUrl for target postgres (the default target)", () => {
    expect(problemsOf({})).toEqual([
      "supabase-analytics:databaseUrl: required for target postgres; set it with `pulumi config set --secret databaseUrl postgresql://user:password@host:5432/postgres`",
    ]);
  });

  it("refuses an invalid refreshSchedule, naming it", () => {
    const problems = problemsOf({ target: plain("postgres"), databaseUrl: secret(DATABASE_URL), refreshSchedule: plain("*/30 * * *") });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^supabase-analytics:refreshSchedule: "\*\/30 \* \* \*" is not a pg_cron schedule: /);
  });

  it("refuses a non-secret access token and a non-secret dbPassword", () => {
    expect(
      problemsOf({
        target: plain("supabase-existing"),
        projectRef: plain("abcdefghijklmnopqrst"),
        dbPassword: plain("pw"),
        "supabase:accessToken": plain("sbp_x"),
      }),
    ).toEqual([
      "supabase-analytics:dbPassword: must be a secret (it holds a password); run `pulumi config rm dbPassword` and set it again with `pulumi config set --secret dbPassword <value>`",
      "supabase:accessToken: must be a secret; run `pulumi config rm supabase:accessToken` and `pulumi config set --secret supabase:accessToken <token>`",
    ]);
  });

  it("reports every problem of one config at once", () => {
    const problems = problemsOf({
      target: plain("supabase"),
      organizationSlug: plain("Not A Slug"),
      provisioningTimeoutMinutes: plain("0"),
      allowOutOfOrder: plain("yes"),
    });
    expect(problems.map((problem) => problem.split(":")[1])).toEqual([
      "allowOutOfOrder",
      "organizationSlug",
      "region",
      "provisioningTimeoutMinutes",
    ]);
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    main: string;
    runtime: { name: string; options: Record<string, unknown> };
    config: Record<string, { type?: string; description?: string; default?: unknown; value?: unknown }>;
  };

  it("is the supabase-analytics nodejs TypeScript project with its program in infra/", () => {
    expect(project.name).toBe("supabase-analytics");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
    expect(fs.existsSync(path.join(REPO_ROOT, project.main, "index.ts"))).toBe(true);
  });

  it("defaults instanceSize to empty: no desired_instance_size is sent unless a stack sets one", () => {
    expect(project.config.instanceSize.default).toBe("");
  });

  it("declares every key the program reads, with a type, a description and a default", () => {
    for (const key of CONFIG_KEYS) {
      const spec = project.config[key];
      expect({ key, type: spec?.type, described: Boolean(spec?.description), hasDefault: spec?.default !== undefined }).toEqual({
        key,
        type: expect.stringMatching(/^(string|integer|boolean)$/),
        described: true,
        hasDefault: true,
      });
    }
  });

  it("follows Pulumi's rules for keys of other namespaces: a value, no type, no default", () => {
    for (const [key, spec] of Object.entries(project.config).filter(([name]) => name.includes(":"))) {
      expect({ key, type: spec.type, default: spec.default, hasValue: spec.value !== undefined }).toEqual({
        key,
        type: undefined,
        default: undefined,
        hasValue: true,
      });
    }
  });

  it("stack files commit no secret in plain text", () => {
    for (const stack of ["dev", "staging", "prod", "local"]) {
      const file = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
      const keys = Object.keys(file.config ?? {});
      expect({ stack, leaked: keys.filter((key) => /databaseUrl|dbPassword|accessToken/.test(key)) }).toEqual({ stack, leaked: [] });
    }
  });
});
