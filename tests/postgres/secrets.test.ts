// The connection's password never leaves a provider: not in outputs (other than the secret
// `connection` itself), not in any error message or stack, not in the serialized provider;
// and the resource classes register `connection` as a secret input and secret output.
import * as pulumi from "@pulumi/pulumi";
import {
  CronJob,
  cronJobProvider,
  CronJobInputs,
  Extension,
  extensionProvider,
  ExtensionInputs,
  Grant,
  grantProvider,
  GrantInputs,
  Migration,
  migrationProvider,
  MigrationInputs,
} from "../../infra/postgres";
import { sha256Hex } from "../../infra/migrations";
import { freePort } from "../support/cluster";
import { createFreshDatabase, FreshDatabase, urlForDatabase } from "../support/db";
import { runUnderMocks } from "../support/pulumiRuntime";
import { createSecretRole, rejectionOf, roundTripProvider, SecretRole } from "./support";

let role: SecretRole;
let db: FreshDatabase;
let url: string;

beforeAll(async () => {
  role = await createSecretRole("deployer_secret");
  db = await createFreshDatabase("pg_secrets");
  url = role.urlFor(db.url);
});
afterAll(async () => {
  await db.drop();
  await role.drop();
});

function spellings(): string[] {
  return [url, role.password, encodeURIComponent(role.password), decodeURIComponent(new URL(url).password)];
}

function expectNoSecret(text: string): void {
  for (const spelling of spellings()) expect(text).not.toContain(spelling);
}

/** The error of an operation that must fail: its message and stack carry no secret. */
async function expectRedactedFailure(operation: Promise<unknown>, mentions: string): Promise<void> {
  const error = await rejectionOf(operation);
  expect(error.message).toContain(mentions);
  expectNoSecret(error.message);
  expectNoSecret(String(error.stack));
  expectNoSecret(JSON.stringify(error));
}

function migrationOf(connection: string, version: string, sql: string): MigrationInputs {
  return { connection, version, name: "secret_test", sql, checksum: sha256Hex(sql), allowOutOfOrder: false };
}

describe("the password stays out of outputs", () => {
  it("appears only in the `connection` output, for every resource", async () => {
    const migration = (await migrationProvider.create(migrationOf(url, "20260101000000", "create schema secret_probe;\ncreate function secret_probe.f() returns int language sql as 'select 1';\n"))).outs;
    const grant = (await grantProvider.create({ connection: url, role: "authenticated", privilege: "execute", objectType: "function", object: "secret_probe.f()" })).outs;
    for (const outs of [migration, grant]) {
      expect(outs?.connection).toBe(url);
      expectNoSecret(JSON.stringify({ ...outs, connection: undefined }));
    }
    const read = await migrationProvider.read!("20260101000000", migration!);
    expectNoSecret(JSON.stringify({ ...read.props, connection: undefined }));
  });
});

describe("the password stays out of every error", () => {
  it("a migration whose statement and error message echo the password and the URL", async () => {
    const sql = `select 1;\ndo $$ begin raise exception 'cannot reach % with %', '${url}', '${role.password}'; end $$;\n`;
    await expectRedactedFailure(migrationProvider.create(migrationOf(url, "20260101000001", sql)), "failed at statement 2");
  });

  it("a wrong password, an unknown database, a closed port", async () => {
    const wrong = new URL(url);
    wrong.password = encodeURIComponent(`${role.password}-wrong`);
    await expectRedactedFailure(migrationProvider.read!("20260101000000", { ...migrationOf(wrong.toString(), "20260101000000", "select 1;\n"), statementsChecksum: "x" }), "password authentication failed");

    const noDatabase = urlForDatabase(url, "no_such_database_here");
    await expectRedactedFailure(extensionProvider.read!("pg_cron", { connection: noDatabase, name: "pg_cron", schema: "pg_catalog", version: "1" }), "does not exist");

    const closed = new URL(url);
    closed.port = String(await freePort());
    await expectRedactedFailure(cronJobProvider.read!("job", { connection: closed.toString(), jobName: "job", schedule: "* * * * *", command: "select 1", active: true, jobId: 1 }), "ECONNREFUSED");
  });

  it("pg_cron, grant and cron job failures", async () => {
    await expectRedactedFailure(extensionProvider.create({ connection: url, name: "pg_cron", schema: "pg_catalog" } as ExtensionInputs), "pg_cron");
    await expectRedactedFailure(
      grantProvider.create({ connection: url, role: "authenticated", privilege: "select", objectType: "table", object: "public.nowhere" } as GrantInputs),
      "does not exist",
    );
    await expectRedactedFailure(
      cronJobProvider.create({ connection: url, jobName: "j", schedule: "* * * * *", command: "select 1", active: true } as CronJobInputs),
      "pg_cron is not installed",
    );
    await expectRedactedFailure(migrationProvider.update!("20260101000000", { ...migrationOf(url, "20260101000000", "select 1;\n"), statementsChecksum: "x" }, migrationOf(url, "20260101000000", "select 2;\n")), "immutable");
  });

  it("connection strings check refuses", async () => {
    const secretHost = new URL(url);
    const cases = [
      `${url}${url.includes("?") ? "&" : "?"}sslmode=verify-ca`,
      `${url}${url.includes("?") ? "&" : "?"}sslmode=require&sslrootcert=/nonexistent/ca.pem`,
      `${url}${url.includes("?") ? "&" : "?"}sslmode=sometimes`,
      url.replace("postgresql://", "postgresql:/"),
      `postgresql://${secretHost.username}:${role.password}%zz@${secretHost.host}/x`,
    ];
    for (const connection of cases) {
      const checked = await extensionProvider.check!({} as ExtensionInputs, { connection, name: "pg_cron" } as ExtensionInputs);
      expect(checked.failures?.map((failure) => failure.property)).toEqual(["connection"]);
      for (const failure of checked.failures ?? []) expectNoSecret(failure.reason);
      expect(JSON.stringify(checked.failures)).not.toContain(role.password);
      await expectRedactedFailure(extensionProvider.create({ connection, name: "pg_cron", schema: "pg_catalog" }), "connection");
    }
  });
});

describe("the resource classes", () => {
  it("register connection as a secret input and a secret output, keep the caller's secret outputs, and serialize a working provider", async () => {
    const registered = await runUnderMocks(
      { stack: "secrets-test" },
      async (resource) => ({ id: `${resource.name}-id`, state: resource.inputs }),
      () => {
        const options = { additionalSecretOutputs: ["sql"] };
        const migrationResource = new Migration("m", { connection: url, version: "20260101000000", name: "m", sql: "select 1;\n", checksum: sha256Hex("select 1;\n") }, options);
        const extension = new Extension("e", { connection: url, name: "pg_cron" });
        const grant = new Grant("g", { connection: url, role: "authenticated", privilege: "usage", objectType: "schema", object: "analytics" });
        const cronJob = new CronJob("c", { connection: url, jobName: "j", schedule: "*/30 * * * *", command: "select 1" });
        return { resources: [migrationResource, extension, grant, cronJob].length };
      },
    );
    expect(registered.resources.map((resource) => resource.type).sort()).toEqual([
      "pulumi-nodejs:dynamic/postgres:CronJob",
      "pulumi-nodejs:dynamic/postgres:Extension",
      "pulumi-nodejs:dynamic/postgres:Grant",
      "pulumi-nodejs:dynamic/postgres:Migration",
    ]);
    for (const resource of registered.resources) {
      expect(resource.secretInputs).toContain("connection");
      expect(resource.additionalSecretOutputs).toContain("connection");
      expect(resource.inputs).not.toHaveProperty("providerVersion");
      const serialized = String(resource.inputs.__provider);
      expectNoSecret(serialized);
    }
    expect(registered.resources.find((resource) => resource.name === "m")?.additionalSecretOutputs.sort()).toEqual(["connection", "sql"]);
    expect(registered.resources.find((resource) => resource.name === "e")?.inputs.schema).toBe("pg_catalog");
    expect(registered.resources.find((resource) => resource.name === "c")?.inputs.active).toBe(true);
    expect(registered.resources.find((resource) => resource.name === "g")?.inputs.granted).toBe(true);
  });

  it("each provider survives Pulumi's serialization and works from the serialized text", async () => {
    const extension = await roundTripProvider(extensionProvider);
    expect((await extension.check!({} as ExtensionInputs, { connection: url, name: "pg_cron" } as ExtensionInputs)).failures).toEqual([]);
    expect((await extension.read!("pg_cron", { connection: url, name: "pg_cron", schema: "pg_catalog", version: "1" })).id).toBeFalsy();

    const migration = await roundTripProvider(migrationProvider);
    const created = await migration.create(migrationOf(url, "20260101000002", "create table public.from_serialized (id int);\n"));
    expect(created.id).toBe("20260101000002");
    expect((await migration.read!("20260101000002", created.outs!)).props?.checksum).toBe(created.outs?.checksum);

    const grant = await roundTripProvider(grantProvider);
    expect((await grant.check!({} as GrantInputs, { connection: url, role: "anon", privilege: "select", objectType: "table", object: "public.from_serialized" } as GrantInputs)).failures).toEqual([]);

    const cronJob = await roundTripProvider(cronJobProvider);
    const checked = await cronJob.check!({} as CronJobInputs, { connection: url, jobName: "j", schedule: "1/5 * * * *", command: "select 1" } as CronJobInputs);
    expect(checked.failures?.map((failure) => failure.property)).toEqual(["schedule"]);
  });
});

describe("unknown values", () => {
  it("uses the engine's unknown sentinel", async () => {
    const rpc = await import("@pulumi/pulumi/runtime/rpc");
    const { UNKNOWN } = await import("../../infra/toolkit");
    expect(UNKNOWN).toBe(rpc.unknownValue);
    expect(pulumi.runtime).toBeDefined();
  });
});
