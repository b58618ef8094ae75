// Seeded, deterministic learning-app data that covers the analytics edge cases, and the
// expected rows of every analytics view, computed here in plain TypeScript from the
// generated data (not with the views' SQL), following the contract in ARCHITECTURE.md.
//
// All values are compared as PostgreSQL prints them (text), so numeric scale matters:
// round(x, 4) of 2/3 prints 0.6667 and of 1 prints 1.0000. Decimal arithmetic is exact
// (BigInt), rounding half away from zero as PostgreSQL's round(numeric, int) does.
import { Client } from "pg";
import type { AnalyticsView } from "../../infra/adminSurface";

export type ViewRow = Record<string, string | null>;
export type ExpectedViews = Record<AnalyticsView, ViewRow[]>;

const DAY_MS = 86_400_000;

/** The columns of each view, in order (ARCHITECTURE.md, SQL contract). */
export const VIEW_COLUMNS: Record<AnalyticsView, readonly string[]> = {
  active_learning_days: ["activity_date", "active_learners", "lessons_completed", "quizzes_completed", "review_sessions"],
  popular_tracks: ["track_id", "slug", "title", "learners", "lesson_completions", "popularity_rank"],
  streak_dropoffs: ["streak_length", "dropoffs", "learners"],
  quiz_completion_rates: ["quiz_id", "attempts", "completed_attempts", "completion_rate", "avg_score"],
  review_session_usage: ["session_date", "sessions", "learners", "cards_reviewed", "avg_duration_seconds"],
  explanation_engagement: ["explanation_id", "views", "unique_viewers", "helpful_votes", "not_helpful_votes", "avg_dwell_seconds"],
  summary_stats: [
    "id",
    "total_learners",
    "learners_active_7d",
    "total_lesson_completions",
    "total_quiz_attempts",
    "total_review_sessions",
    "total_explanation_views",
    "refreshed_at",
  ],
};

/** The unique key of each view: rows are compared in this order. */
export const VIEW_KEYS: Record<AnalyticsView, string> = {
  active_learning_days: "activity_date",
  popular_tracks: "track_id",
  streak_dropoffs: "streak_length",
  quiz_completion_rates: "quiz_id",
  review_session_usage: "session_date",
  explanation_engagement: "explanation_id",
  summary_stats: "id",
};

export interface Track { id: string; slug: string; title: string }
export interface Lesson { id: string; trackId: string; position: number; title: string }
export interface Quiz { id: string; lessonId: string; title: string }
export interface Explanation { id: string; lessonId: string; title: string }
/** Times are epoch milliseconds (UTC). */
export interface LessonCompletion { userId: string; lessonId: string; completedAt: number }
export interface QuizAttempt {
  userId: string;
  quizId: string;
  startedAt: number;
  completedAt: number | null;
  /** Score in thousandths (82125 is 82.125), null for no score. */
  scoreThousandths: number | null;
}
export interface ReviewSession { userId: string; startedAt: number; endedAt: number | null; cardsReviewed: number }
export interface ExplanationView { userId: string; explanationId: string; viewedAt: number; dwellSeconds: number; helpful: boolean | null }

export interface LearningData {
  /** auth.users ids. */
  users: string[];
  /** Named users of the edge-case scenarios (also in users). */
  named: Record<string, string>;
  tracks: Track[];
  lessons: Lesson[];
  quizzes: Quiz[];
  explanations: Explanation[];
  lessonCompletions: LessonCompletion[];
  quizAttempts: QuizAttempt[];
  reviewSessions: ReviewSession[];
  explanationViews: ExplanationView[];
}

// ---------------------------------------------------------------------------------------
// Dates and decimals
// ---------------------------------------------------------------------------------------

/** `YYYY-MM-DD` of an epoch-ms time, in UTC. */
export function utcDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The UTC date `days` after (negative: before) a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS);
}

/** Epoch ms of `daysAgo` days before `today` at hh:mm:ss.ms UTC. */
export function timeOn(today: string, daysAgo: number, hours = 12, minutes = 0, seconds = 0, millis = 0): number {
  return Date.parse(`${addDays(today, -daysAgo)}T00:00:00.000Z`) + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/** numerator / denominator rounded to `scale` places, half away from zero, printed like PostgreSQL numeric. */
export function roundDecimal(numerator: bigint, denominator: bigint, scale: number): string {
  if (numerator < 0n || denominator <= 0n) throw new Error("roundDecimal handles non-negative values only");
  const scaled = numerator * 10n ** BigInt(scale);
  let quotient = scaled / denominator;
  if ((scaled % denominator) * 2n >= denominator) quotient += 1n;
  return fixedPoint(quotient, scale);
}

function fixedPoint(value: bigint, scale: number): string {
  const digits = value.toString().padStart(scale + 1, "0");
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The score as numeric text: 82125 -> "82.125". */
export function scoreText(thousandths: number): string {
  return fixedPoint(BigInt(thousandths), 3);
}

// ---------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------

/** mulberry32: small, fast and good enough for test data; the same seed gives the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Builder {
  readonly data: LearningData = {
    users: [],
    named: {},
    tracks: [],
    lessons: [],
    quizzes: [],
    explanations: [],
    lessonCompletions: [],
    quizAttempts: [],
    reviewSessions: [],
    explanationViews: [],
  };

  constructor(readonly random: () => number, readonly today: string) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = "4";
    hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  user(name?: string): string {
    const id = this.uuid();
    this.data.users.push(id);
    if (name) this.data.named[name] = id;
    return id;
  }

  track(slug: string): Track {
    const track = { id: this.uuid(), slug, title: `Track ${slug}` };
    this.data.tracks.push(track);
    return track;
  }

  lesson(track: Track): Lesson {
    const position = this.data.lessons.filter((l) => l.trackId === track.id).length + 1;
    const lesson = { id: this.uuid(), trackId: track.id, position, title: `${track.slug} lesson ${position}` };
    this.data.lessons.push(lesson);
    return lesson;
  }

  quiz(lesson: Lesson, title: string): Quiz {
    const quiz = { id: this.uuid(), lessonId: lesson.id, title };
    this.data.quizzes.push(quiz);
    return quiz;
  }

  explanation(lesson: Lesson, title: string): Explanation {
    const explanation = { id: this.uuid(), lessonId: lesson.id, title };
    this.data.explanations.push(explanation);
    return explanation;
  }

  complete(userId: string, lesson: Lesson, completedAt: number): void {
    this.data.lessonCompletions.push({ userId, lessonId: lesson.id, completedAt });
  }

  attempt(userId: string, quiz: Quiz, startedAt: number, completedAt: number | null, scoreThousandths: number | null): void {
    this.data.quizAttempts.push({ userId, quizId: quiz.id, startedAt, completedAt, scoreThousandths });
  }

  review(userId: string, startedAt: number, endedAt: number | null, cardsReviewed: number): void {
    this.data.reviewSessions.push({ userId, startedAt, endedAt, cardsReviewed });
  }

  view(userId: string, explanation: Explanation, viewedAt: number, dwellSeconds: number, helpful: boolean | null): void {
    this.data.explanationViews.push({ userId, explanationId: explanation.id, viewedAt, dwellSeconds, helpful });
  }

  /** Epoch ms `daysAgo` days before today at a given UTC time of day. */
  at(daysAgo: number, hours = 12, minutes = 0, seconds = 0, millis = 0): number {
    return timeOn(this.today, daysAgo, hours, minutes, seconds, millis);
  }

  /** A random time of day on `daysAgo`. */
  someTimeOn(daysAgo: number): number {
    return this.at(daysAgo, this.int(0, 23), this.int(0, 59), this.int(0, 59), this.int(0, 999));
  }
}

export interface GenerateOptions {
  seed: number;
  /** The UTC date the views will be refreshed on, `YYYY-MM-DD`. */
  today: string;
  /** Random learners on top of the edge-case scenarios (default 30). */
  fillerLearners?: number;
  /** Days of history for the random learners (default 45). */
  historyDays?: number;
}

/**
 * A dataset with every edge case the views must handle (named scenarios below) plus random
 * learners with daily habits, for volume and accidental coincidences.
 */
export function generateLearningData(options: GenerateOptions): LearningData {
  const b = new Builder(seededRandom(options.seed), options.today);

  // Content. Tracks with no lessons, lessons with no completions, a quiz and an explanation
  // nobody touched.
  const tieA = b.track("tie-a");
  const tieB = b.track("tie-b");
  const leader = b.track("leader");
  const runnerUp = b.track("runner-up");
  b.track("no-lessons");
  const untouched = b.track("no-completions");
  const untouchedLesson = b.lesson(untouched);
  b.quiz(untouchedLesson, "never attempted");
  b.explanation(untouchedLesson, "never viewed");
  const [tieA1, tieA2] = [b.lesson(tieA), b.lesson(tieA)];
  const [tieB1, tieB2] = [b.lesson(tieB), b.lesson(tieB)];
  const [leader1, leader2] = [b.lesson(leader), b.lesson(leader)];
  const runnerUp1 = b.lesson(runnerUp);
  const abandonedQuiz = b.quiz(tieA1, "only abandoned attempts");
  const mixedQuiz = b.quiz(tieA2, "mixed attempts");
  const unscoredQuiz = b.quiz(tieB1, "completed without scores");
  const votedExplanation = b.explanation(tieB2, "votes and dwell");

  const fillerTracks = ["algebra", "biology", "chemistry", "drawing"].map((slug) => b.track(slug));
  const fillerLessons = fillerTracks.flatMap((track) => Array.from({ length: b.int(2, 4) }, () => b.lesson(track)));
  const fillerQuizzes = fillerLessons.map((lesson) => b.quiz(lesson, `${lesson.title} quiz`));
  const fillerExplanations = fillerLessons.map((lesson) => b.explanation(lesson, `${lesson.title} explained`));
  const someLesson = (): Lesson => b.pick(fillerLessons);

  // Learners without activity: none at all; only explanation views; only unfinished quizzes.
  b.user("no activity");
  const viewerOnly = b.user("explanation views only");
  b.view(viewerOnly, votedExplanation, b.at(3, 9), 40, true);
  const abandoner = b.user("unfinished quiz attempts only");
  b.attempt(abandoner, abandonedQuiz, b.at(2, 10), null, null);
  b.attempt(abandoner, abandonedQuiz, b.at(5, 10), null, 50_000);

  // Popularity ties: tie-a and tie-b have 2 learners and 3 completions each (same rank),
  // leader has 2 learners and 4 completions (ahead of them), runner-up 3 learners and 3
  // completions (ahead of everything: learners count first). Long ago, one day each.
  const fans = Array.from({ length: 6 }, (_, i) => b.user(`fan ${i + 1}`));
  b.complete(fans[0], tieA1, b.at(40, 8));
  b.complete(fans[0], tieA2, b.at(40, 9));
  b.complete(fans[1], tieA1, b.at(40, 10));
  b.complete(fans[2], tieB1, b.at(40, 8));
  b.complete(fans[3], tieB1, b.at(40, 9));
  b.complete(fans[3], tieB2, b.at(40, 10));
  b.complete(fans[4], leader1, b.at(40, 8));
  b.complete(fans[4], leader2, b.at(40, 9));
  b.complete(fans[5], leader1, b.at(40, 10));
  b.complete(fans[5], leader2, b.at(40, 11));
  for (const fan of fans.slice(0, 3)) b.complete(fan, runnerUp1, b.at(40, 12));

  // Streaks.
  const single = b.user("streak of 1, dropped");
  b.complete(single, someLesson(), b.at(20, 7));

  const broken = b.user("broken streaks, one running today");
  for (const daysAgo of [20, 19, 18]) b.complete(broken, someLesson(), b.someTimeOn(daysAgo));
  // An unfinished attempt and an explanation view on day 17 do not bridge the gap.
  b.attempt(broken, b.pick(fillerQuizzes), b.at(17, 9), null, null);
  b.view(broken, b.pick(fillerExplanations), b.at(17, 9), 30, null);
  for (const daysAgo of [16, 15]) b.review(broken, b.someTimeOn(daysAgo), null, 3);
  b.attempt(broken, b.pick(fillerQuizzes), b.at(0, 1), b.at(0, 1, 5), 90_000);

  const twice = b.user("two dropped streaks of 2");
  for (const daysAgo of [30, 29, 10, 9]) b.complete(twice, someLesson(), b.someTimeOn(daysAgo));

  const running = b.user("running: yesterday and today");
  for (const daysAgo of [3, 2, 1, 0]) b.review(running, b.someTimeOn(daysAgo), null, 1);
  // Several events on one day count once for the streak.
  b.complete(running, someLesson(), b.at(1, 6));
  b.complete(running, someLesson(), b.at(1, 7));

  const endsYesterday = b.user("streak ending yesterday");
  for (const daysAgo of [5, 4, 3, 2, 1]) b.complete(endsYesterday, someLesson(), b.someTimeOn(daysAgo));

  const endsBeforeYesterday = b.user("streak ending the day before yesterday");
  for (const daysAgo of [4, 3, 2]) b.complete(endsBeforeYesterday, someLesson(), b.someTimeOn(daysAgo));

  const onlyToday = b.user("streak of 1 today");
  b.review(onlyToday, b.at(0, 0, 0, 0, 0), b.at(0, 0, 10), 12);

  // UTC midnight: one millisecond apart, two activity dates, one streak of 2.
  const nightOwl = b.user("activity across UTC midnight");
  b.complete(nightOwl, someLesson(), b.at(12, 23, 59, 59, 999));
  b.complete(nightOwl, someLesson(), b.at(11, 0, 0, 0, 0));
  // A review session that starts before midnight and ends after it belongs to its start date.
  b.review(nightOwl, b.at(12, 23, 50), b.at(11, 0, 20), 25);

  // Three kinds of activity on three consecutive days: one streak of 3. The quiz attempt
  // starts the evening before and counts on its completion date.
  const mixer = b.user("lesson, quiz, review on consecutive days");
  b.complete(mixer, someLesson(), b.at(26, 18));
  b.attempt(mixer, mixedQuiz, b.at(26, 23, 50), b.at(25, 0, 10), 82_125);
  b.review(mixer, b.at(24, 8), b.at(24, 8, 0, 1, 0), 0);

  // learners_active_7d boundary: today - 6 counts, today - 7 does not.
  const lastWeekEdge = b.user("active exactly 6 days ago");
  b.complete(lastWeekEdge, someLesson(), b.at(6, 0, 0, 0, 0));
  const justOutside = b.user("active exactly 7 days ago");
  b.complete(justOutside, someLesson(), b.at(7, 23, 59, 59, 999));

  // Quiz edge cases: mixed (2 of 3 completed, avg 82.125 -> 82.13, rounding half away from
  // zero), abandoned only (rate 0.0000, no avg even though one attempt has a score),
  // completed without scores (rate 1.0000, avg null).
  const quizzer = b.user("quiz edge cases");
  b.attempt(quizzer, mixedQuiz, b.at(8, 10), b.at(8, 10, 30), null);
  b.attempt(quizzer, mixedQuiz, b.at(8, 11), null, 99_000);
  b.attempt(quizzer, unscoredQuiz, b.at(8, 12), b.at(8, 12, 5), null);
  b.attempt(quizzer, unscoredQuiz, b.at(8, 13), b.at(8, 13, 5), null);

  // Review durations: 1.000 s and 1.500 s average to 1.25 -> 1.3; a day with only an open session.
  const reviewer = b.user("review edge cases");
  b.review(reviewer, b.at(14, 9), b.at(14, 9, 0, 1, 0), 5);
  b.review(reviewer, b.at(14, 10), b.at(14, 10, 0, 1, 500), 7);
  b.review(reviewer, b.at(14, 11), null, 2);
  b.review(reviewer, b.at(13, 11), null, 4);

  // Explanation votes and dwell: 4 views by 2 viewers, 10+10+10+11 s -> 10.25 -> 10.3.
  b.view(reviewer, votedExplanation, b.at(14, 12), 10, true);
  b.view(reviewer, votedExplanation, b.at(13, 12), 10, false);
  b.view(quizzer, votedExplanation, b.at(8, 12), 10, null);
  b.view(quizzer, votedExplanation, b.at(8, 13), 11, true);

  addFillerLearners(b, options, {
    lessons: fillerLessons,
    quizzes: fillerQuizzes,
    explanations: fillerExplanations,
  });
  return b.data;
}

interface FillerContent { lessons: Lesson[]; quizzes: Quiz[]; explanations: Explanation[] }

/** Learners with a daily habit (probability of being active on a day), a start day and maybe a churn day. */
function addFillerLearners(b: Builder, options: GenerateOptions, content: FillerContent): void {
  const learners = options.fillerLearners ?? 30;
  const history = options.historyDays ?? 45;
  // Power-law popularity: lesson i is chosen with weight 1 / (i + 1).
  const weights = content.lessons.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const popularLesson = (): Lesson => {
    let r = b.random() * total;
    for (let i = 0; i < weights.length; i += 1) {
      r -= weights[i];
      if (r <= 0) return content.lessons[i];
    }
    return content.lessons[content.lessons.length - 1];
  };
  for (let n = 0; n < learners; n += 1) {
    const user = b.user();
    const habit = 0.15 + b.random() * 0.8;
    const firstDay = b.int(0, history);
    const churnDay = b.chance(0.4) ? b.int(0, firstDay) : -1;
    for (let daysAgo = firstDay; daysAgo > churnDay; daysAgo -= 1) {
      if (!b.chance(habit)) continue;
      const events = b.int(1, 3);
      for (let e = 0; e < events; e += 1) addFillerEvent(b, user, daysAgo, popularLesson, content);
    }
  }
}

function addFillerEvent(b: Builder, user: string, daysAgo: number, popularLesson: () => Lesson, content: FillerContent): void {
  // Today's events start early enough that none ends after today (no future dates).
  const start = daysAgo === 0 ? b.at(0, b.int(0, 20), b.int(0, 59), b.int(0, 59), b.int(0, 999)) : b.someTimeOn(daysAgo);
  const kind = b.int(0, 3);
  if (kind === 0) {
    b.complete(user, popularLesson(), start);
  } else if (kind === 1) {
    // About 20% abandoned; completions may cross UTC midnight.
    const completed = b.chance(0.8) ? start + b.int(30, 3_600) * 1000 : null;
    const score = completed !== null && b.chance(0.9) ? b.int(0, 100_000) : null;
    b.attempt(user, b.pick(content.quizzes), start, completed, score);
  } else if (kind === 2) {
    const ended = b.chance(0.85) ? start + b.int(1_000, 1_800_000) : null;
    b.review(user, start, ended, b.int(0, 50));
  } else {
    const helpful = b.chance(0.4) ? null : b.chance(0.7);
    b.view(user, b.pick(content.explanations), start, b.int(0, 300), helpful);
  }
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

/** Inserts the dataset (one statement per table); the identity ids are the database's. */
export async function loadLearningData(client: Client, data: LearningData): Promise<void> {
  await client.query("insert into auth.users (id, email) select id, id || '@example.test' from unnest($1::uuid[]) as u(id)", [data.users]);
  await client.query("insert into public.tracks (id, slug, title) select * from unnest($1::uuid[], $2::text[], $3::text[])", [
    data.tracks.map((t) => t.id),
    data.tracks.map((t) => t.slug),
    data.tracks.map((t) => t.title),
  ]);
  await client.query(
    "insert into public.lessons (id, track_id, position, title) select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[])",
    [data.lessons.map((l) => l.id), data.lessons.map((l) => l.trackId), data.lessons.map((l) => l.position), data.lessons.map((l) => l.title)],
  );
  await client.query("insert into public.quizzes (id, lesson_id, title) select * from unnest($1::uuid[], $2::uuid[], $3::text[])", [
    data.quizzes.map((q) => q.id),
    data.quizzes.map((q) => q.lessonId),
    data.quizzes.map((q) => q.title),
  ]);
  await client.query("insert into public.explanations (id, lesson_id, title) select * from unnest($1::uuid[], $2::uuid[], $3::text[])", [
    data.explanations.map((e) => e.id),
    data.explanations.map((e) => e.lessonId),
    data.explanations.map((e) => e.title),
  ]);
  await client.query(
    "insert into public.lesson_completions (user_id, lesson_id, completed_at) select * from unnest($1::uuid[], $2::uuid[], $3::timestamptz[])",
    [data.lessonCompletions.map((c) => c.userId), data.lessonCompletions.map((c) => c.lessonId), data.lessonCompletions.map((c) => iso(c.completedAt))],
  );
  await client.query(
    `insert into public.quiz_attempts (user_id, quiz_id, started_at, completed_at, score)
     select * from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::numeric[])`,
    [
      data.quizAttempts.map((a) => a.userId),
      data.quizAttempts.map((a) => a.quizId),
      data.quizAttempts.map((a) => iso(a.startedAt)),
      data.quizAttempts.map((a) => iso(a.completedAt)),
      data.quizAttempts.map((a) => (a.scoreThousandths === null ? null : scoreText(a.scoreThousandths))),
    ],
  );
  await client.query(
    `insert into public.review_sessions (user_id, started_at, ended_at, cards_reviewed)
     select * from unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[])`,
    [
      data.reviewSessions.map((s) => s.userId),
      data.reviewSessions.map((s) => iso(s.startedAt)),
      data.reviewSessions.map((s) => iso(s.endedAt)),
      data.reviewSessions.map((s) => s.cardsReviewed),
    ],
  );
  await client.query(
    `insert into public.explanation_views (user_id, explanation_id, viewed_at, dwell_seconds, helpful)
     select * from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int[], $5::boolean[])`,
    [
      data.explanationViews.map((v) => v.userId),
      data.explanationViews.map((v) => v.explanationId),
      data.explanationViews.map((v) => iso(v.viewedAt)),
      data.explanationViews.map((v) => v.dwellSeconds),
      data.explanationViews.map((v) => v.helpful),
    ],
  );
}

// ---------------------------------------------------------------------------------------
// Expected rows
// ---------------------------------------------------------------------------------------

interface ActivityEvent { userId: string; date: string; kind: "lesson" | "quiz" | "review" }

/** A learner's activity events: lesson completions, completed quiz attempts, review sessions started. */
export function activityEvents(data: LearningData): ActivityEvent[] {
  return [
    ...data.lessonCompletions.map((c): ActivityEvent => ({ userId: c.userId, date: utcDate(c.completedAt), kind: "lesson" })),
    ...data.quizAttempts
      .filter((a) => a.completedAt !== null)
      .map((a): ActivityEvent => ({ userId: a.userId, date: utcDate(a.completedAt as number), kind: "quiz" })),
    ...data.reviewSessions.map((s): ActivityEvent => ({ userId: s.userId, date: utcDate(s.startedAt), kind: "review" })),
  ];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const count = (n: number): string => String(n);
const distinct = <T>(items: readonly T[], key: (item: T) => string): number => new Set(items.map(key)).size;

export function expectedActiveLearningDays(data: LearningData): ViewRow[] {
  return [...groupBy(activityEvents(data), (e) => e.date)].map(([date, events]) => ({
    activity_date: date,
    active_learners: count(distinct(events, (e) => e.userId)),
    lessons_completed: count(events.filter((e) => e.kind === "lesson").length),
    quizzes_completed: count(events.filter((e) => e.kind === "quiz").length),
    review_sessions: count(events.filter((e) => e.kind === "review").length),
  }));
}

export function expectedPopularTracks(data: LearningData): ViewRow[] {
  const trackOfLesson = new Map(data.lessons.map((l) => [l.id, l.trackId]));
  const stats = data.tracks.map((track) => {
    const completions = data.lessonCompletions.filter((c) => trackOfLesson.get(c.lessonId) === track.id);
    return { track, learners: distinct(completions, (c) => c.userId), completions: completions.length };
  });
  // rank(): 1 + the number of tracks strictly ahead (more learners, or as many and more completions).
  const ahead = (a: (typeof stats)[number], b: (typeof stats)[number]): boolean =>
    b.learners > a.learners || (b.learners === a.learners && b.completions > a.completions);
  return stats.map((s) => ({
    track_id: s.track.id,
    slug: s.track.slug,
    title: s.track.title,
    learners: count(s.learners),
    lesson_completions: count(s.completions),
    popularity_rank: count(1 + stats.filter((other) => ahead(s, other)).length),
  }));
}

export interface Streak { userId: string; length: number; lastDate: string }

/** Maximal runs of consecutive activity dates, per learner. */
export function streaks(data: LearningData): Streak[] {
  const result: Streak[] = [];
  for (const [userId, events] of groupBy(activityEvents(data), (e) => e.userId)) {
    const dates = [...new Set(events.map((e) => e.date))].sort();
    let length = 1;
    for (let i = 1; i <= dates.length; i += 1) {
      if (i < dates.length && dates[i] === addDays(dates[i - 1], 1)) {
        length += 1;
      } else {
        result.push({ userId, length, lastDate: dates[i - 1] });
        length = 1;
      }
    }
  }
  return result;
}

export function expectedStreakDropoffs(data: LearningData, today: string): ViewRow[] {
  const yesterday = addDays(today, -1);
  const dropped = streaks(data).filter((s) => s.lastDate < yesterday);
  return [...groupBy(dropped, (s) => String(s.length))].map(([length, group]) => ({
    streak_length: length,
    dropoffs: count(group.length),
    learners: count(distinct(group, (s) => s.userId)),
  }));
}

export function expectedQuizCompletionRates(data: LearningData): ViewRow[] {
  return data.quizzes.map((quiz) => {
    const attempts = data.quizAttempts.filter((a) => a.quizId === quiz.id);
    const completed = attempts.filter((a) => a.completedAt !== null);
    const scores = completed.map((a) => a.scoreThousandths).filter((s): s is number => s !== null);
    const scoreSum = scores.reduce((sum, s) => sum + BigInt(s), 0n);
    return {
      quiz_id: quiz.id,
      attempts: count(attempts.length),
      completed_attempts: count(completed.length),
      completion_rate: attempts.length === 0 ? null : roundDecimal(BigInt(completed.length), BigInt(attempts.length), 4),
      avg_score: scores.length === 0 ? null : roundDecimal(scoreSum, BigInt(scores.length) * 1000n, 2),
    };
  });
}

export function expectedReviewSessionUsage(data: LearningData): ViewRow[] {
  return [...groupBy(data.reviewSessions, (s) => utcDate(s.startedAt))].map(([date, sessions]) => {
    const ended = sessions.filter((s) => s.endedAt !== null);
    const durationMs = ended.reduce((sum, s) => sum + BigInt((s.endedAt as number) - s.startedAt), 0n);
    return {
      session_date: date,
      sessions: count(sessions.length),
      learners: count(distinct(sessions, (s) => s.userId)),
      cards_reviewed: count(sessions.reduce((sum, s) => sum + s.cardsReviewed, 0)),
      avg_duration_seconds: ended.length === 0 ? null : roundDecimal(durationMs, BigInt(ended.length) * 1000n, 1),
    };
  });
}

export function expectedExplanationEngagement(data: LearningData): ViewRow[] {
  return data.explanations.map((explanation) => {
    const views = data.explanationViews.filter((v) => v.explanationId === explanation.id);
    const dwell = views.reduce((sum, v) => sum + BigInt(v.dwellSeconds), 0n);
    return {
      explanation_id: explanation.id,
      views: count(views.length),
      unique_viewers: count(distinct(views, (v) => v.userId)),
      helpful_votes: count(views.filter((v) => v.helpful === true).length),
      not_helpful_votes: count(views.filter((v) => v.helpful === false).length),
      avg_dwell_seconds: views.length === 0 ? null : roundDecimal(dwell, BigInt(views.length), 1),
    };
  });
}

/** `refreshedAt`: now() of the refreshing transaction, as the reading session prints a timestamptz. */
export function expectedSummaryStats(data: LearningData, today: string, refreshedAt: string): ViewRow[] {
  const events = activityEvents(data);
  const weekStart = addDays(today, -6);
  return [
    {
      id: "1",
      total_learners: count(distinct(events, (e) => e.userId)),
      learners_active_7d: count(distinct(events.filter((e) => e.date >= weekStart), (e) => e.userId)),
      total_lesson_completions: count(data.lessonCompletions.length),
      total_quiz_attempts: count(data.quizAttempts.length),
      total_review_sessions: count(data.reviewSessions.length),
      total_explanation_views: count(data.explanationViews.length),
      refreshed_at: refreshedAt,
    },
  ];
}

/** Every view's expected rows, each sorted by the view's unique key. */
export function expectedViews(data: LearningData, today: string, refreshedAt: string): ExpectedViews {
  const views: ExpectedViews = {
    active_learning_days: expectedActiveLearningDays(data),
    popular_tracks: expectedPopularTracks(data),
    streak_dropoffs: expectedStreakDropoffs(data, today),
    quiz_completion_rates: expectedQuizCompletionRates(data),
    review_session_usage: expectedReviewSessionUsage(data),
    explanation_engagement: expectedExplanationEngagement(data),
    summary_stats: expectedSummaryStats(data, today, refreshedAt),
  };
  for (const view of Object.keys(views) as AnalyticsView[]) views[view] = sortByKey(views[view], VIEW_KEYS[view]);
  return views;
}

/** Sorts rows by a key column; numeric keys numerically, others as text. */
export function sortByKey(rows: ViewRow[], key: string): ViewRow[] {
  const numeric = rows.every((row) => /^\d+$/.test(row[key] ?? ""));
  return [...rows].sort((a, b) => {
    const x = a[key] ?? "";
    const y = b[key] ?? "";
    if (numeric) return Number(x) - Number(y);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
