// `npm run plan` against the real test database: the four states, version order, pending SQL,
// local-only without a database, that the plan only ever reads, and that it connects with the
// providers' own code (libpq's sslmode) to a server that only speaks TLS.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import {
  applyMigration,
  buildPlan,
  loadMigrations,
  MigrationFile,
  parseMigrationFile,
  readHistory,
  splitStatements,
  statementsChecksum as recordedChecksum,
  withContentChecksums,
  withReadOnlyTransaction,
} from "../../infra/migrations";
import { planMigrations } from "../../scripts/lib/migrationPlan";
import { formatPlanMarkdown, formatPlanText } from "../../scripts/lib/planFormat";
import { runPlanCommand } from "../../scripts/lib/planCommand";
import { startTlsServer, TlsServer } from "../postgres/tlsServer";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";

const FILES: Record<string, string> = {
  "20260101000000_create_events.sql": "-- events\ncreate table public.plan_events (id bigint primary key);\n",
  "20260101000001_add_index.sql": "-- index\ncreate index plan_events_id on public.plan_events (id);\n",
  "20260101000003_add_view.sql": "-- view\ncreate view public.plan_event_ids as select id from public.plan_events;\n",
};
/** What 20260101000001 said when it was applied; the file was edited afterwards. */
const APPLIED_INDEX_SQL = "-- index\ncreate index plan_events_id on public.plan_events (id desc);\n";
/** Applied, then its file deleted. */
const MISSING = parseMigrationFile("20260101000002_drop_legacy.sql", "drop table if exists public.legacy;\n");

let db: FreshDatabase;
let migrationsDir: string;
let local: MigrationFile[];

function captureIo() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

/** Applies a file the way `pulumi up` does: through the Migration provider's own history code. */
async function applyWithProvider(client: Client, migration: MigrationFile): Promise<void> {
  const statements = await splitStatements(migration.sql, migration.file);
  await applyMigration(
    client,
    { version: migration.version, name: migration.name, sql: migration.sql, statements, noTransaction: false, allowOutOfOrder: true },
    "create",
  );
}

beforeAll(async () => {
  migrationsDir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-migrations-"));
  for (const [file, sql] of Object.entries(FILES)) fs.writeFileSync(path.join(migrationsDir, file), sql);
  local = loadMigrations(migrationsDir, migrationsDir);
  db = await createFreshDatabase("review_plan");
  await withClient(db.url, async (client) => {
    // applied: the file as it is now.
    await applyWithProvider(client, local[0]);
    // changed-after-apply: applied with other content, then the file was edited.
    await applyWithProvider(client, parseMigrationFile(local[1].file, APPLIED_INDEX_SQL));
    // missing-locally: applied, no file any more.
    await applyWithProvider(client, MISSING);
  });
});

afterAll(async () => {
  await db?.drop();
  fs.rmSync(migrationsDir, { recursive: true, force: true });
});

test("the four states, in version order, against the live history", async () => {
  const plan = await planMigrations(local, db.url, "db");
  expect(plan.source).toBe("database");
  expect(plan.entries.map((e) => [e.version, e.name, e.state])).toEqual([
    ["20260101000000", "create_events", "applied"],
    ["20260101000001", "add_index", "changed-after-apply"],
    [MISSING.version, "drop_legacy", "missing-locally"],
    ["20260101000003", "add_view", "pending"],
  ]);
  const [applied, changed, missing, pending] = plan.entries;
  const [contents] = [await withContentChecksums(local)];
  // The checksum column is the file's sha256, the Migration resource's `checksum` input.
  expect(applied.checksum).toBe(local[0].checksum);
  expect(applied.recordedChecksum).toBe(contents[0].contentChecksum);
  expect(changed.checksum).toBe(local[1].checksum);
  // What the provider recorded: the statements of the file as it was applied.
  expect(changed.recordedChecksum).toBe(recordedChecksum(["-- index\ncreate index plan_events_id on public.plan_events (id desc)"]));
  expect(changed.contentChecksum).toBe(contents[1].contentChecksum);
  expect(changed.recordedChecksum).not.toBe(changed.contentChecksum);
  expect(missing.checksum).toBe(recordedChecksum(["drop table if exists public.legacy"]));
  expect(pending.sql).toBe(FILES["20260101000003_add_view.sql"]);
  // A pending version older than the newest recorded one is out of order; this one is the newest.
  expect(pending.outOfOrder).toBeUndefined();
});

test("text output: every migration with version, name, state and checksum, then the full SQL of each pending one", async () => {
  const { out, io } = captureIo();
  const markdownFile = path.join(migrationsDir, "..", `plan-${path.basename(migrationsDir)}.md`);
  // The command reads sql/migrations; build the same report from the temp folder through the library.
  const text = formatPlanText(await planMigrations(local, db.url, "postgres://postgres:***@127.0.0.1/db"));
  expect(text).toMatch(/^Migration plan against postgres:\/\/postgres:\*\*\*@127\.0\.0\.1\/db: 1 applied, 1 pending, 1 changed-after-apply, 1 missing-locally\.\n/);
  expect(text).toContain(`20260101000001  add_index      changed-after-apply  ${local[1].checksum}`);
  expect(text).toContain(`-- ${local[2].file} (pending, sha256 ${local[2].checksum})\n-- view\ncreate view public.plan_event_ids`);
  expect(text.indexOf("20260101000000")).toBeLessThan(text.indexOf(MISSING.version));
  // The real command on the repository's sql/migrations against the same database: all of them are pending there.
  expect(await runPlanCommand(["--database-url", db.url, "--markdown", markdownFile], io)).toBe(0);
  expect(out.stdout).not.toContain("postgres:postgres@");
  const repoMigrations = loadMigrations();
  for (const m of repoMigrations) expect(out.stdout).toContain(`${m.version}  ${m.name}`);
  expect(out.stdout).toContain(repoMigrations[0].sql.trimEnd());
  const markdown = fs.readFileSync(markdownFile, "utf8");
  expect(markdown).toContain("| Version | Name | State | Checksum (sha256) | Note |");
  // Every pending file is named; the first ones with their SQL, as far as a PR comment allows.
  for (const m of repoMigrations) expect(markdown).toContain(`${m.file} (pending)`);
  expect(markdown).toContain(`\`\`\`sql\n${repoMigrations[0].sql.trimEnd()}\n\`\`\``);
  fs.rmSync(markdownFile);
});

test("markdown: one table row per migration, SQL of pending ones in collapsible blocks, notes for the problems", async () => {
  const markdown = formatPlanMarkdown(await planMigrations(local, db.url, "db"));
  expect(markdown).toContain(`| \`20260101000000\` | \`create_events\` | applied | \`${local[0].checksum}\` |  |`);
  expect(markdown).toMatch(/\| changed-after-apply \| `[0-9a-f]{64}` \| recorded statements have checksum [0-9a-f]{64}, the file's [0-9a-f]{64}; applied migrations are immutable/);
  expect(markdown).toContain("| missing-locally |");
  expect(markdown).toContain(`<details><summary>${local[2].file} (pending)</summary>`);
  // One character short of room for the SQL: it is left out, the table stays.
  const plan = await planMigrations(local, db.url, "db");
  const short = formatPlanMarkdown(plan, formatPlanMarkdown(plan).length - 1);
  expect(short).toContain("| `20260101000003` | `add_view` | pending |");
  expect(short).not.toContain("```sql");
  expect(short).toContain("SQL left out");
});

test("without a database the migrations are listed as local-only", async () => {
  const plan = await planMigrations(local, undefined);
  expect(plan.source).toBe("local-only");
  expect(plan.entries.map((e) => e.state)).toEqual(["local-only", "local-only", "local-only"]);
  const { out, io } = captureIo();
  expect(await runPlanCommand([], io)).toBe(0);
  expect(out.stdout).toMatch(/^Migration plan from local files only; no database given/);
});

test("an unreachable database gives a local-only plan that says why, without the password", async () => {
  const unreachable = "postgres://postgres:topsecret@127.0.0.1:1/postgres";
  const { out, io } = captureIo();
  expect(await runPlanCommand(["--database-url", unreachable], io)).toBe(0);
  expect(out.stdout).toMatch(/^Migration plan from local files only; postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres is not reachable: reading the migration history on 127\.0\.0\.1:1\/postgres: connect ECONNREFUSED/);
  expect(out.stdout).not.toContain("topsecret");
});

test("a pending migration older than the newest recorded version is flagged as out of order", async () => {
  const entries = buildPlan(await withContentChecksums(local), [{ version: "20260101000009", name: "later", statements: ["select 1"] }]);
  expect(entries.filter((e) => e.state === "pending").every((e) => e.outOfOrder)).toBe(true);
});

test("a version recorded without statements (old Supabase CLI) is applied: the provider adopts it", async () => {
  const entries = buildPlan(await withContentChecksums(local), [{ version: local[0].version, name: local[0].name, statements: null }]);
  expect(entries[0]).toMatchObject({ version: local[0].version, state: "applied", recordedWithoutStatements: true });
});

test("a file that does not parse is listed with the parser's reason", async () => {
  const broken = parseMigrationFile("20260101000004_broken.sql", "create tabel public.x (id int);\n");
  const plan = await planMigrations([...local, broken], db.url, "db");
  const entry = plan.entries.find((e) => e.version === broken.version);
  expect(entry).toMatchObject({ state: "pending", parseProblem: expect.stringContaining("20260101000004_broken.sql") });
  expect(formatPlanText(plan)).toMatch(/20260101000004 pending: does not parse: .*line 1/);
});

describe("the plan never writes", () => {
  test("it reads inside a read-only transaction, where any write fails with 25006", async () => {
    await withClient(db.url, async (client) => {
      const attempt = withReadOnlyTransaction(client, async (tx) => {
        const { rows } = await tx.query<{ transaction_read_only: string }>("show transaction_read_only");
        expect(rows[0].transaction_read_only).toBe("on");
        await tx.query("insert into supabase_migrations.schema_migrations (version, name, statements) values ('29990101000000', 'x', '{}')");
      });
      await expect(attempt).rejects.toMatchObject({ code: "25006" });
      // Rolled back, and the connection is usable again.
      const { rows } = await client.query<{ count: string }>("select count(*) from supabase_migrations.schema_migrations where version = '29990101000000'");
      expect(rows[0].count).toBe("0");
    });
  });

  test("it needs no privilege but select: a role that can only read the history gets the full plan", async () => {
    const role = `plan_reader_${db.name.slice(-10)}`;
    await withClient(db.url, async (client) => {
      await client.query(`create role ${role} login password 'reader'`);
      await client.query(`grant usage on schema supabase_migrations to ${role}`);
      await client.query(`grant select on supabase_migrations.schema_migrations to ${role}`);
    });
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = "reader";
      const plan = await planMigrations(local, url.toString(), "reader");
      expect(plan.entries.map((e) => e.state)).toEqual(["applied", "changed-after-apply", "missing-locally", "pending"]);
    } finally {
      await withClient(db.url, async (client) => {
        await client.query(`revoke all on supabase_migrations.schema_migrations from ${role}`);
        await client.query(`revoke all on schema supabase_migrations from ${role}`);
        await client.query(`drop role ${role}`);
      });
    }
  });

  test("a database without a history table: everything pending, and the table is not created", async () => {
    const empty = await createFreshDatabase("review_plan_empty");
    try {
      const plan = await planMigrations(local, empty.url, "empty");
      expect(plan.entries.map((e) => e.state)).toEqual(["pending", "pending", "pending"]);
      await withClient(empty.url, async (client) => {
        const { rows } = await client.query<{ present: boolean }>("select to_regclass('supabase_migrations.schema_migrations') is not null as present");
        expect(rows[0].present).toBe(false);
        expect(await readHistory(client)).toEqual([]);
      });
    } finally {
      await empty.drop();
    }
  });
});

describe("against a server that only speaks TLS, with a certificate from a private CA (as Supabase's pooler)", () => {
  let server: TlsServer;

  beforeAll(async () => {
    server = await startTlsServer();
    await server.requireTls();
  }, 120_000);

  afterAll(() => {
    server?.stop();
  });

  test("sslmode=require reads the history as libpq would: encrypted, the certificate not verified", async () => {
    const url = server.at("127.0.0.1", { sslmode: "require" });
    // node-postgres on its own reads sslmode=require as verify-full and refuses this server.
    const plainPg = new Client({ connectionString: url });
    await expect(plainPg.connect()).rejects.toThrow(/certificate/);
    const plan = await planMigrations(local, url, "tls");
    expect(plan).toMatchObject({ source: "database", database: "tls" });
    expect(plan.entries.map((e) => e.state)).toEqual(["pending", "pending", "pending"]);
  });

  test("sslmode=disable is refused by the server, and the plan says so", async () => {
    const plan = await planMigrations(local, server.at("127.0.0.1", { sslmode: "disable" }), "plain");
    expect(plan.source).toBe("local-only");
    expect(plan.note).toMatch(/^plain is not reachable: .*no encryption \(SQLSTATE 28000\)/);
  });
});
