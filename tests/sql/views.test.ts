// View correctness: a seeded dataset with the edge cases, every analytics view refreshed by
// analytics.refresh_all_views() in a session whose TimeZone is far from UTC, and every row
// and column compared with the rows that tests/support/learningData.ts computes on its own.
import { Client } from "pg";
import { ANALYTICS_VIEWS, AnalyticsView } from "../../infra/adminSurface";
import { applyMigrations } from "../support/applySql";
import { createFreshDatabase, FreshDatabase } from "../support/db";
import {
  addDays,
  ExpectedViews,
  expectedPopularTracks,
  expectedStreakDropoffs,
  expectedViews,
  generateLearningData,
  LearningData,
  loadLearningData,
  sortByKey,
  timeOn,
  VIEW_COLUMNS,
  VIEW_KEYS,
  ViewRow,
} from "../support/learningData";
import { RAW_TEXT } from "../support/securityMatrix";

interface ViewContents {
  columns: string[];
  rows: ViewRow[];
}

async function readView(client: Client, view: AnalyticsView): Promise<ViewContents> {
  const result = await client.query<ViewRow>({ text: `select * from analytics.${view}`, types: RAW_TEXT });
  return { columns: result.fields.map((field) => field.name), rows: sortByKey(result.rows, VIEW_KEYS[view]) };
}

/** Refreshes in one transaction and returns that transaction's UTC date and now() (as text). */
async function refreshInTimeZone(client: Client, timeZone: string): Promise<{ today: string; now: string }> {
  await client.query(`set timezone = '${timeZone}'`);
  await client.query("begin");
  const { rows } = await client.query<{ today: string; now: string }>(
    "select ((now() at time zone 'utc')::date)::text as today, now()::text as now",
  );
  await client.query("select analytics.refresh_all_views()");
  await client.query("commit");
  return rows[0];
}

describe("analytics views on a seeded dataset", () => {
  let db: FreshDatabase;
  let client: Client;
  let data: LearningData;
  let expected: ExpectedViews;
  /** The UTC date the data was generated for (the refresh may, rarely, run a day later). */
  let generatedFor: string;
  const actual = {} as Record<AnalyticsView, ViewContents>;

  beforeAll(async () => {
    db = await createFreshDatabase("views");
    await applyMigrations(db.url);
    client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ today: string }>("select ((now() at time zone 'utc')::date)::text as today");
    generatedFor = rows[0].today;
    data = generateLearningData({ seed: 20260128, today: generatedFor });
    await loadLearningData(client, data);

    // Refresh where local midnight is 14 hours away from UTC's, read where it is 8 hours the other way.
    const refresh = await refreshInTimeZone(client, "Pacific/Kiritimati");
    await client.query("set timezone = 'America/Los_Angeles'");
    const { rows: printed } = await client.query<{ now: string }>("select $1::timestamptz::text as now", [refresh.now]);
    expected = expectedViews(data, refresh.today, printed[0].now);
    for (const view of ANALYTICS_VIEWS) actual[view] = await readView(client, view);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it.each(ANALYTICS_VIEWS)("%s has the contract's columns, in order", (view) => {
    expect(actual[view].columns).toEqual(VIEW_COLUMNS[view]);
  });

  it.each(ANALYTICS_VIEWS)("%s has exactly the expected rows, every column", (view) => {
    expect(actual[view].rows.length).toBeGreaterThan(0);
    expect(actual[view].rows).toEqual(expected[view]);
  });

  it("covers the edge cases (the dataset, checked on the database's rows)", () => {
    const tracks = new Map(actual.popular_tracks.rows.map((row) => [row.slug, row]));
    const rank = (slug: string): number => Number(tracks.get(slug)?.popularity_rank);
    // Ties share a rank; learners count before completions.
    expect(rank("tie-a")).toBe(rank("tie-b"));
    expect(rank("leader")).toBeLessThan(rank("tie-a"));
    expect(rank("runner-up")).toBeLessThan(rank("leader"));
    // Tracks without lessons or completions are listed, last, tied.
    expect(tracks.get("no-lessons")).toMatchObject({ learners: "0", lesson_completions: "0" });
    expect(rank("no-lessons")).toBe(rank("no-completions"));
    expect(rank("no-lessons")).toBe(actual.popular_tracks.rows.length - 1);

    const quizzes = actual.quiz_completion_rates.rows;
    expect(quizzes).toContainEqual(expect.objectContaining({ attempts: "0", completed_attempts: "0", completion_rate: null, avg_score: null }));
    expect(quizzes).toContainEqual(expect.objectContaining({ attempts: "2", completion_rate: "0.0000", avg_score: null }));
    expect(quizzes).toContainEqual(expect.objectContaining({ attempts: "3", completion_rate: "0.6667", avg_score: "82.13" }));
    expect(quizzes).toContainEqual(expect.objectContaining({ attempts: "2", completion_rate: "1.0000", avg_score: null }));

    expect(actual.explanation_engagement.rows).toContainEqual(
      expect.objectContaining({ views: "0", unique_viewers: "0", helpful_votes: "0", avg_dwell_seconds: null }),
    );
    const streakLengths = actual.streak_dropoffs.rows.map((row) => Number(row.streak_length));
    expect(streakLengths).toEqual(expect.arrayContaining([1, 2, 3]));
  });

  it("puts activity one millisecond apart across UTC midnight on two dates", () => {
    const night = data.named["activity across UTC midnight"];
    const before = addDays(generatedFor, -12);
    const after = addDays(generatedFor, -11);
    const nightLessons = data.lessonCompletions.filter((c) => c.userId === night).map((c) => new Date(c.completedAt).toISOString());
    expect(nightLessons).toEqual([`${before}T23:59:59.999Z`, `${after}T00:00:00.000Z`]);
    const day = (date: string): ViewRow | undefined => actual.active_learning_days.rows.find((row) => row.activity_date === date);
    const expectedDay = (date: string): ViewRow | undefined => expected.active_learning_days.find((row) => row.activity_date === date);
    expect(day(before)).toEqual(expectedDay(before));
    expect(day(after)).toEqual(expectedDay(after));
    expect(Number(day(before)?.lessons_completed)).toBeGreaterThanOrEqual(1);
    expect(Number(day(after)?.lessons_completed)).toBeGreaterThanOrEqual(1);
  });

  it("gives the same rows when refreshed again in another session TimeZone", async () => {
    await refreshInTimeZone(client, "America/Los_Angeles");
    for (const view of ANALYTICS_VIEWS) {
      if (view === "summary_stats") continue;
      expect((await readView(client, view)).rows).toEqual(actual[view].rows);
    }
  });
});

describe("the TypeScript model of the views (hand-checked)", () => {
  const today = "2026-03-10";
  const user = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;
  const base: LearningData = {
    users: [user(1), user(2)],
    named: {},
    tracks: [
      { id: user(7), slug: "a", title: "A" },
      { id: user(8), slug: "b", title: "B" },
      { id: user(9), slug: "c", title: "C" },
    ],
    lessons: [
      { id: "l-a", trackId: user(7), position: 1, title: "a1" },
      { id: "l-b", trackId: user(8), position: 1, title: "b1" },
      { id: "l-c", trackId: user(9), position: 1, title: "c1" },
    ],
    quizzes: [],
    explanations: [],
    lessonCompletions: [],
    quizAttempts: [],
    reviewSessions: [],
    explanationViews: [],
  };

  it("finds streaks, drops those ending before yesterday, counts learners once per length", () => {
    const on = (daysAgo: number) => timeOn(today, daysAgo, 23, 59, 59, 999);
    const data: LearningData = {
      ...base,
      lessonCompletions: [
        // user 1: 9,8 (2, dropped), 5 (1, dropped), 2,1 (2, ends yesterday: running)
        ...[9, 8, 5, 2, 1].map((d) => ({ userId: user(1), lessonId: "l-a", completedAt: on(d) })),
        // user 2: 7,6 (2, dropped), 4,3,2 (3, ends the day before yesterday: dropped), 0 (1, today)
        ...[7, 6, 4, 3, 2, 0].map((d) => ({ userId: user(2), lessonId: "l-b", completedAt: on(d) })),
      ],
    };
    expect(sortByKey(expectedStreakDropoffs(data, today), "streak_length")).toEqual([
      { streak_length: "1", dropoffs: "1", learners: "1" },
      { streak_length: "2", dropoffs: "2", learners: "2" },
      { streak_length: "3", dropoffs: "1", learners: "1" },
    ]);
  });

  it("ranks tracks with rank(): ties share a rank and the next rank skips", () => {
    const at = timeOn(today, 3);
    const data: LearningData = {
      ...base,
      lessonCompletions: [
        { userId: user(1), lessonId: "l-a", completedAt: at },
        { userId: user(1), lessonId: "l-b", completedAt: at },
      ],
    };
    expect(expectedPopularTracks(data).map((row) => [row.slug, row.popularity_rank])).toEqual([
      ["a", "1"],
      ["b", "1"],
      ["c", "3"],
    ]);
  });
});
