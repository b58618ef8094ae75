// `npm run plan` against the real test database: the four states, version order, pending SQL,
// local-only without a database, and that the plan only ever reads.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { loadMigrations, MigrationFile } from "../../infra/migrations";
import { buildPlan, planMigrations, readHistory, withReadOnlyTransaction } from "../../scripts/lib/migrationPlan";
import { formatPlanMarkdown, formatPlanText } from "../../scripts/lib/planFormat";
import { runPlanCommand } from "../../scripts/lib/planCommand";
import { recordedChecksum } from "../../scripts/lib/recordedChecksum";
import { createFreshDatabase, FreshDatabase, withClient } from "../support/db";

/** The history table exactly as the Supabase CLI creates it. */
const HISTORY_DDL = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (version text not null primary key, statements text[], name text);
`;

const FILES: Record<string, string> = {
  "20260101000000_create_events.sql": "-- events\ncreate table public.plan_events (id bigint primary key);\n",
  "20260101000001_add_index.sql": "-- index\ncreate index plan_events_id on public.plan_events (id);\n",
  "20260101000003_add_view.sql": "-- view\ncreate view public.plan_event_ids as select id from public.plan_events;\n",
};
/** Recorded in the database, its file deleted. */
const MISSING_VERSION = "20260101000002";

let db: FreshDatabase;
let migrationsDir: string;
let local: MigrationFile[];

function captureIo() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

async function record(client: Client, version: string, name: string, statements: string[]): Promise<void> {
  await client.query("insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)", [version, name, statements]);
}

beforeAll(async () => {
  migrationsDir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-migrations-"));
  for (const [file, sql] of Object.entries(FILES)) fs.writeFileSync(path.join(migrationsDir, file), sql);
  local = loadMigrations(migrationsDir, migrationsDir);
  db = await createFreshDatabase("review_plan");
  await withClient(db.url, async (client) => {
    await client.query(HISTORY_DDL);
    const [events, index] = local;
    // applied: recorded with the file's content.
    await client.query(events.sql);
    await record(client, events.version, events.name, [events.sql]);
    // changed-after-apply: recorded, then the file was edited.
    await client.query(index.sql);
    await record(client, index.version, index.name, ["create index plan_events_id on public.plan_events (id desc);"]);
    // missing-locally: recorded, no file.
    await record(client, MISSING_VERSION, "drop_legacy", ["drop table if exists public.legacy;"]);
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
    [MISSING_VERSION, "drop_legacy", "missing-locally"],
    ["20260101000003", "add_view", "pending"],
  ]);
  const [applied, changed, missing, pending] = plan.entries;
  expect(applied.checksum).toBe(local[0].checksum);
  expect(applied.recordedChecksum).toBe(local[0].checksum);
  expect(changed.checksum).toBe(local[1].checksum);
  expect(changed.recordedChecksum).toBe(recordedChecksum(["create index plan_events_id on public.plan_events (id desc);"]));
  expect(changed.recordedChecksum).not.toBe(changed.checksum);
  expect(missing.checksum).toBe(recordedChecksum(["drop table if exists public.legacy;"]));
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
  expect(text.indexOf("20260101000000")).toBeLessThan(text.indexOf(MISSING_VERSION));
  // The real command on the repository's sql/migrations against the same database: all of them are pending there.
  expect(await runPlanCommand(["--database-url", db.url, "--markdown", markdownFile], io)).toBe(0);
  expect(out.stdout).not.toContain("postgres:postgres@");
  const repoMigrations = loadMigrations();
  for (const m of repoMigrations) expect(out.stdout).toContain(`${m.version}  ${m.name}`);
  expect(out.stdout).toContain(repoMigrations[0].sql.trimEnd());
  const markdown = fs.readFileSync(markdownFile, "utf8");
  expect(markdown).toContain("| Version | Name | State | Checksum (sha256) | Note |");
  expect(markdown).toContain("```sql\n");
  fs.rmSync(markdownFile);
});

test("markdown: one table row per migration, SQL of pending ones in collapsible blocks, notes for the problems", async () => {
  const markdown = formatPlanMarkdown(await planMigrations(local, db.url, "db"));
  expect(markdown).toContain(`| \`20260101000000\` | \`create_events\` | applied | \`${local[0].checksum}\` |  |`);
  expect(markdown).toMatch(/\| changed-after-apply \| `[0-9a-f]{64}` \| recorded content has checksum [0-9a-f]{64}; applied migrations are immutable/);
  expect(markdown).toContain("| missing-locally |");
  expect(markdown).toContain(`<details><summary>${local[2].file} (pending)</summary>`);
  // Over the size limit the SQL is left out, the table stays.
  const short = formatPlanMarkdown(await planMigrations(local, db.url, "db"), 200);
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
  expect(out.stdout).toMatch(/^Migration plan from local files only; postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres is not reachable: connect ECONNREFUSED/);
  expect(out.stdout).not.toContain("topsecret");
});

test("a pending migration older than the newest recorded version is flagged as out of order", () => {
  const entries = buildPlan(local, [{ version: "20260101000009", name: "later", statements: ["select 1"] }]);
  expect(entries.filter((e) => e.state === "pending").every((e) => e.outOfOrder)).toBe(true);
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
