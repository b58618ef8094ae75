// analytics.refresh_all_views(): plain on never-populated views, concurrently afterwards; a
// second caller skips at once and is recorded; readers of every view are not blocked while a
// refresh is under way (shown with pg_locks / pg_blocking_pids, not with timing); a failing
// refresh is recorded with its error and leaves the previous data readable.
import { Client } from "pg";
import { ANALYTICS_VIEWS, AnalyticsView } from "../../infra/adminSurface";
import { REFRESH_LOCK_KEY } from "../../infra/migrations";
import { applyGrants, applyMigrations } from "../support/applySql";
import { backendPid, blockingPids, createFreshDatabase, FreshDatabase, waitUntilBlockedBy } from "../support/db";
import { generateLearningData, loadLearningData, sortByKey, VIEW_KEYS, ViewRow } from "../support/learningData";
import { asCaller, attempt, RAW_TEXT } from "../support/securityMatrix";

const REFRESH_MIGRATION = "20260128100008";

interface RefreshRun {
  id: number;
  status: "succeeded" | "failed" | "skipped";
  skipped: boolean;
  started_at: string;
  finished_at: string;
  view_durations: Record<string, number>;
  refresh_modes: Record<string, string>;
  failed_views: string[];
  error_message: string | null;
  requested_by: string;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

async function runs(client: Client): Promise<RefreshRun[]> {
  const { rows } = await client.query<{ run: RefreshRun }>("select to_jsonb(r) as run from analytics.refresh_runs r order by r.id");
  return rows.map((row) => row.run);
}

async function latestRun(client: Client): Promise<RefreshRun> {
  const all = await runs(client);
  return all[all.length - 1];
}

async function readView(client: Client, view: AnalyticsView): Promise<ViewRow[]> {
  const { rows } = await client.query<ViewRow>({ text: `select * from analytics.${view}`, types: RAW_TEXT });
  return sortByKey(rows, VIEW_KEYS[view]);
}

async function readAllViews(client: Client): Promise<Record<AnalyticsView, ViewRow[]>> {
  const contents = {} as Record<AnalyticsView, ViewRow[]>;
  for (const view of ANALYTICS_VIEWS) contents[view] = await readView(client, view);
  return contents;
}

/**
 * Holders and waiters of the refresh lock in this test's database only: other test files refresh
 * in their own databases at the same time, and pg_locks shows the whole cluster.
 */
const REFRESH_LOCK_HOLDERS_SQL = `
  select pid, granted from pg_catalog.pg_locks
   where locktype = 'advisory' and classid = 0 and objid = $1 and objsubid = 1
     and database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())`;

/** Locks held by a backend on the analytics views: view name -> lock modes. */
async function viewLocks(observer: Client, pid: number): Promise<Record<string, string[]>> {
  const { rows } = await observer.query<{ view: string; modes: string[] }>(
    `select c.relname as view, array_agg(l.mode::text order by l.mode) as modes
       from pg_catalog.pg_locks l
       join pg_catalog.pg_class c on c.oid = l.relation
      where l.pid = $1 and l.granted and c.relnamespace = 'analytics'::regnamespace and c.relkind = 'm'
      group by c.relname`,
    [pid],
  );
  return Object.fromEntries(rows.map((row) => [row.view, row.modes]));
}

async function seed(client: Client, seedValue: number): Promise<void> {
  const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
  await loadLearningData(client, generateLearningData({ seed: seedValue, today: rows[0].today, fillerLearners: 12 }));
}

/** One more lesson completion and one more completed quiz attempt, by an existing learner. */
async function addActivity(client: Client): Promise<void> {
  await client.query(`
    insert into public.lesson_completions (user_id, lesson_id, completed_at)
    select (select id from auth.users order by id limit 1), (select id from public.lessons order by id limit 1), now();
    insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
    select (select id from auth.users order by id limit 1), (select id from public.quizzes order by id limit 1), now(), now(), 50;
  `);
}

const ADMIN_CLAIMS = { sub: "4a0c2a44-7f57-4c52-9d53-0e2f3c9b1a77", role: "authenticated", user_role: "admin" };

describe("refresh_all_views on never-populated views", () => {
  let db: FreshDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createFreshDatabase("refresh_first");
    await applyMigrations(db.url, { through: REFRESH_MIGRATION });
    client = await connect(db.url);
    await seed(client, 11);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("refreshes them plain, records the run, and refreshes concurrently from then on", async () => {
    const populated = async (): Promise<boolean[]> => {
      const { rows } = await client.query<{ populated: boolean }>(
        "select relispopulated as populated from pg_catalog.pg_class where relnamespace = 'analytics'::regnamespace and relkind = 'm'",
      );
      return rows.map((row) => row.populated);
    };
    expect(await populated()).toEqual(ANALYTICS_VIEWS.map(() => false));
    expect(await runs(client)).toEqual([]);

    await client.query("select analytics.refresh_all_views()");
    expect(await populated()).toEqual(ANALYTICS_VIEWS.map(() => true));
    const first = await latestRun(client);
    expect(first).toMatchObject({ status: "succeeded", skipped: false, failed_views: [], error_message: null, requested_by: "postgres" });
    expect(first.refresh_modes).toEqual(Object.fromEntries(ANALYTICS_VIEWS.map((view) => [view, "plain"])));
    expect(Object.keys(first.view_durations).sort()).toEqual([...ANALYTICS_VIEWS].sort());
    expect(Object.values(first.view_durations).every((ms) => typeof ms === "number" && ms >= 0)).toBe(true);
    expect(Date.parse(first.finished_at)).toBeGreaterThanOrEqual(Date.parse(first.started_at));

    await client.query("select analytics.refresh_all_views()");
    const second = await latestRun(client);
    expect(second.id).toBeGreaterThan(first.id);
    expect(second.refresh_modes).toEqual(Object.fromEntries(ANALYTICS_VIEWS.map((view) => [view, "concurrently"])));
  });
});

describe("refresh_all_views with populated views", () => {
  let db: FreshDatabase;
  let observer: Client;

  beforeAll(async () => {
    db = await createFreshDatabase("refresh");
    await applyMigrations(db.url);
    await applyGrants(db.url);
    observer = await connect(db.url);
    await seed(observer, 12);
    await observer.query("select analytics.refresh_all_views()");
  });
  afterAll(async () => {
    await observer?.end();
    await db?.drop();
  });

  it("lets a second caller return at once while a refresh holds the lock, and records it as skipped", async () => {
    const first = await connect(db.url);
    const second = await connect(db.url);
    try {
      const before = (await runs(observer)).length;
      // The first refresh finishes its work but keeps its transaction, and so the lock, open.
      await first.query("begin");
      await first.query("select analytics.refresh_all_views()");
      const { rows: holders } = await observer.query<{ pid: number; granted: boolean }>(REFRESH_LOCK_HOLDERS_SQL, [REFRESH_LOCK_KEY]);
      expect(holders).toEqual([{ pid: await backendPid(first), granted: true }]);

      await second.query("select analytics.refresh_all_views()");
      const skipped = await latestRun(observer);
      expect(skipped).toMatchObject({ status: "skipped", skipped: true, view_durations: {}, failed_views: [], error_message: null });
      expect(await runs(observer)).toHaveLength(before + 1);

      // An admin asking for a refresh now is told so (and that call's run rolls back with it).
      const manual = await asCaller(second, { role: "authenticated", claims: ADMIN_CLAIMS }, async (c) => {
        await c.query("savepoint manual");
        try {
          await c.query("select analytics.manual_refresh()");
          return null;
        } catch (error) {
          await c.query("rollback to savepoint manual");
          return error as { code?: string; message?: string };
        }
      });
      expect(manual).toMatchObject({ code: "55P03", message: "analytics.manual_refresh(): another refresh is running" });

      // The lock is still the first caller's: the second one never waited for it.
      expect((await observer.query(REFRESH_LOCK_HOLDERS_SQL, [REFRESH_LOCK_KEY])).rows).toHaveLength(1);
      await first.query("commit");
      const all = await runs(observer);
      expect(all.slice(before).map((run) => run.status).sort()).toEqual(["skipped", "succeeded"]);
    } finally {
      await first.end();
      await second.end();
    }
  });

  it("never blocks a reader of any view while a concurrent refresh is under way; a plain refresh would", async () => {
    const locker = await connect(db.url);
    const refresher = await connect(db.url);
    const reader = await connect(db.url);
    try {
      const before = await readAllViews(observer);
      await addActivity(observer);
      // Park the refresh mid-way: it gets as far as explanation_engagement (the 6th view),
      // which reads explanations, and waits there for the locker.
      await locker.query("begin");
      await locker.query("lock table public.explanations in access exclusive mode");
      const refresherPid = await backendPid(refresher);
      const readerPid = await backendPid(reader);
      const refreshing = refresher.query("select analytics.refresh_all_views()");
      await waitUntilBlockedBy(observer, refresherPid, await backendPid(locker));

      // What the refresh holds on the views at this point: ExclusiveLock (which lets reads
      // through) on the five it has refreshed and the one it is refreshing; never AccessExclusiveLock.
      const held = await viewLocks(observer, refresherPid);
      expect(Object.keys(held).sort()).toEqual(ANALYTICS_VIEWS.slice(0, 6).sort());
      for (const modes of Object.values(held)) expect(modes).not.toContain("AccessExclusiveLock");
      for (const modes of Object.values(held)) expect(modes).toContain("ExclusiveLock");

      // A reader gets every view, directly and through the admin functions, and sees the
      // previous data. (lock_timeout only turns a regression into an error instead of a hang.)
      await reader.query("set lock_timeout = '10s'");
      expect(await readAllViews(reader)).toEqual(before);
      await asCaller(reader, { role: "authenticated", claims: ADMIN_CLAIMS }, async (c) => {
        for (const view of ANALYTICS_VIEWS) {
          const { rows } = await c.query<ViewRow>({ text: `select * from analytics.get_${view}()`, types: RAW_TEXT });
          expect(sortByKey(rows, VIEW_KEYS[view])).toEqual(before[view]);
        }
        const health = await c.query("select * from analytics.health_check()");
        expect(health.rows).toHaveLength(ANALYTICS_VIEWS.length);
      });
      expect(await blockingPids(observer, readerPid)).toEqual([]);
      // ... all while the refresh was still waiting half-way.
      expect(await blockingPids(observer, refresherPid)).toEqual([await backendPid(locker)]);

      await locker.query("commit");
      await refreshing;
      const run = await latestRun(observer);
      expect(run.status).toBe("succeeded");
      expect(new Set(Object.values(run.refresh_modes))).toEqual(new Set(["concurrently"]));
      const after = await readView(reader, "summary_stats");
      expect(Number(after[0].total_lesson_completions)).toBe(Number(before.summary_stats[0].total_lesson_completions) + 1);

      // The counter-example: a plain refresh holds AccessExclusiveLock, and the same reader waits.
      await refresher.query("begin");
      await refresher.query("refresh materialized view analytics.popular_tracks");
      const reading = reader.query("select count(*) from analytics.popular_tracks");
      await waitUntilBlockedBy(observer, readerPid, refresherPid);
      await refresher.query("rollback");
      await reading;
    } finally {
      await locker.end();
      await refresher.end();
      await reader.end();
    }
  });

  it("records a failing refresh with its errors, refreshes the other views, and keeps the failed views' previous data", async () => {
    const locker = await connect(db.url);
    const refresher = await connect(db.url);
    try {
      await observer.query("select analytics.refresh_all_views()");
      const before = await readAllViews(observer);
      await addActivity(observer);
      const runsBefore = (await runs(observer)).length;

      // The view that reads quizzes fails to get its lock in time.
      await locker.query("begin");
      await locker.query("lock table public.quizzes in access exclusive mode");
      await refresher.query("set lock_timeout = '100ms'");
      const warnings: string[] = [];
      refresher.on("notice", (notice) => warnings.push(`${notice.severity}: ${notice.message}`));
      await refresher.query("select analytics.refresh_all_views()");

      const failing: AnalyticsView[] = ["quiz_completion_rates"];
      const working = ANALYTICS_VIEWS.filter((view) => !failing.includes(view));
      const run = await latestRun(observer);
      expect(run).toMatchObject({ status: "failed", skipped: false, failed_views: failing });
      expect(run.error_message?.split("\n")).toEqual(
        failing.map((view) => `${view}: canceling statement due to lock timeout (SQLSTATE 55P03)`),
      );
      expect(Object.keys(run.view_durations).sort()).toEqual([...working].sort());
      expect(warnings).toEqual([expect.stringMatching(/^WARNING: analytics refresh failed for quiz_completion_rates: /)]);

      // manual_refresh() fails loudly instead, and its run is rolled back with it.
      const manual = await asCaller(refresher, { role: "authenticated", claims: ADMIN_CLAIMS }, async (c) => {
        await c.query("savepoint manual");
        try {
          await c.query("select analytics.manual_refresh()");
          return null;
        } catch (error) {
          await c.query("rollback to savepoint manual");
          return error as { message?: string };
        }
      });
      expect(manual?.message).toMatch(/^analytics\.manual_refresh\(\) failed: quiz_completion_rates: canceling statement due to lock timeout/);
      expect(await runs(observer)).toHaveLength(runsBefore + 1);
      await locker.query("rollback");

      const after = await readAllViews(observer);
      for (const view of failing) expect(after[view]).toEqual(before[view]);
      expect(after.popular_tracks).not.toEqual(before.popular_tracks);
      const health = await asCaller(observer, { role: "authenticated", claims: ADMIN_CLAIMS }, async (c) => {
        const { rows } = await c.query<{ view_name: string; is_populated: boolean; refreshed_at: Date; last_refresh_status: string }>(
          "select * from analytics.health_check()",
        );
        return rows;
      });
      expect(health.map((h) => h.view_name)).toEqual([...ANALYTICS_VIEWS]);
      expect(health.every((h) => h.is_populated && h.last_refresh_status === "failed")).toBe(true);
      const refreshedAt = new Map(health.map((h) => [h.view_name, h.refreshed_at.getTime()]));
      for (const view of failing) expect(refreshedAt.get(view)).toBeLessThan(refreshedAt.get("popular_tracks") as number);

      // The previous data is also what admins read.
      const adminRead = await attempt(observer, { role: "authenticated", claims: ADMIN_CLAIMS }, "select * from analytics.get_quiz_completion_rates()");
      expect(adminRead.ok && sortByKey(adminRead.rows as ViewRow[], "quiz_id")).toEqual(before.quiz_completion_rates);
    } finally {
      await locker.end();
      await refresher.end();
    }
  });
});
