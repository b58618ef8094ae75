// The CronJob schedule check against the real thing: every case (a table of edge cases and
// a few thousand generated schedules) goes through pg_cron 1.4's cron.schedule in a rolled
// back savepoint, and the port in infra/postgres/cronSchedule.ts must agree on each.
import { Client } from "pg";
import { cronScheduleProblem } from "../../infra/postgres";
import { withClient, withCronDatabase } from "../support/db";

const TABLE: ReadonlyArray<[string, boolean]> = [
  ["*/30 * * * *", true],
  ["* * * * *", true],
  ["0 3 * * 1-5", true],
  ["0 0 1 jan-mar mon-fri", true],
  ["0 0 1 JAN,Jul sun", true],
  ["0 0 * * 7", true],
  ["0 0 * * 8", false],
  ["60 * * * *", false],
  ["* 24 * * *", false],
  ["* * 0 * *", false],
  ["* * 32 * *", false],
  ["* * * 13 *", false],
  ["*/0 * * * *", false],
  ["1/20 * * * *", false],
  ["5-64/30 * * * *", false],
  ["5-2 * * * *", true],
  ["1-5/2,*/7 * * * *", true],
  ["* * * *", false],
  ["* * * * * *", true],
  ["*/15 * * * * select 1", true],
  ["5; * * * *", true],
  ["*x * * * *", true],
  ["0 0 1 January *", false],
  ["@hourly", true],
  ["@daily", true],
  ["@midnight", true],
  ["@weekly", true],
  ["@monthly", true],
  ["@yearly", true],
  ["@annually", true],
  ["@reboot", true],
  ["@Hourly", false],
  ["@every 5m", false],
  ["@", false],
  ["30 seconds", false],
  ["", false],
  ["   ", false],
  ["  */5 * * * *", true],
  ["*/5\t*\t*\t*\t*", true],
  ["# a comment\n*/5 * * * *", true],
  ["\n\n*/5 * * * *", true],
  ["* * *\n* *", false],
  ["*/4294967297 * * * *", true],
  ["*/99999999999999999999 * * * *", false],
  ["0-59/61 * * * *", true],
  ["L * * * *", false],
  ["? * * * *", false],
  ["0 0 * * $", false],
  ["é * * * *", false],
  [`${"1,".repeat(498)}1 * * * *`, false],
];

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["jan", "FEB", "Mar", "dec", "sun", "Mon", "sat", "SUN", "foo"];
const JUNK = ["x", ";", "?", "L", "$", "-", "/", ",", "#", "@", "é", "\n", "\t"];

/** Schedules near the grammar: mostly valid-looking fields, with wrong values, names, junk and missing fields. */
function generate(next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const value = (high: number): string => {
    const roll = next();
    if (roll < 0.75) return String(Math.floor(next() * (high + 3)));
    if (roll < 0.9) return pick(NAMES);
    return roll < 0.97 ? "*" : pick(JUNK);
  };
  const range = (high: number): string => {
    let text = next() < 0.3 ? "*" : value(high);
    if (text !== "*" && next() < 0.3) text += `-${value(high)}`;
    if (next() < 0.3) text += `/${next() < 0.9 ? Math.floor(next() * 70) : pick(JUNK)}`;
    return text;
  };
  const field = (high: number): string => {
    let text = range(high);
    while (next() < 0.2) text += `,${range(high)}`;
    if (next() < 0.04) text += pick(JUNK);
    return text;
  };
  if (next() < 0.05) return `@${pick(["hourly", "daily", "weekly", "monthly", "yearly", "reboot", "often", "Daily"])}`;
  const highs = [59, 23, 31, 12, 7];
  const count = next() < 0.9 ? 5 : Math.floor(next() * 7);
  const fields = Array.from({ length: count }, (_, index) => field(highs[index % 5]));
  return fields.join(next() < 0.9 ? " " : pick(["  ", "\t", " \t "]));
}

/** What pg_cron does with a schedule: scheduled (then rolled back) or "invalid schedule" (22023). */
async function pgCronAccepts(client: Client, schedule: string): Promise<boolean> {
  await client.query("savepoint probe");
  try {
    await client.query("select cron.schedule('schedule-probe', $1, 'select 1')", [schedule]);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== "22023") throw error;
    return false;
  } finally {
    await client.query("rollback to savepoint probe");
  }
}

/** A `#` line without a newline after it makes pg_cron 1.4 loop forever: never sent to the server. */
function hangsPgCron(schedule: string): boolean {
  return /(^|\n)[ \t]*#[^\n]*$/.test(schedule);
}

describe("cron schedule check against pg_cron 1.4", () => {
  it("agrees with cron.schedule on every case of the table and on 3000 generated schedules", async () => {
    await withCronDatabase(async (url) => {
      await withClient(url, async (client) => {
        await client.query("create extension if not exists pg_cron with schema pg_catalog");
        await client.query("begin");
        try {
          const disagreements: string[] = [];
          for (const [schedule, accepted] of TABLE) {
            const real = await pgCronAccepts(client, schedule);
            // The table documents pg_cron's behaviour: it must hold on the real server too.
            if (real !== accepted) disagreements.push(`table says ${accepted} but pg_cron says ${real}: ${JSON.stringify(schedule)}`);
            if ((cronScheduleProblem(schedule) === undefined) !== real) disagreements.push(`check disagrees with pg_cron (${real}): ${JSON.stringify(schedule)}`);
          }
          const next = random(20260128);
          let generatedAccepted = 0;
          for (let index = 0; index < 3000; index++) {
            const schedule = generate(next);
            if (hangsPgCron(schedule)) continue;
            const real = await pgCronAccepts(client, schedule);
            if (real) generatedAccepted++;
            if ((cronScheduleProblem(schedule) === undefined) !== real) disagreements.push(`check disagrees with pg_cron (${real}): ${JSON.stringify(schedule)}`);
          }
          expect(disagreements).toEqual([]);
          // The generator must exercise both sides.
          expect(generatedAccepted).toBeGreaterThan(300);
          expect(generatedAccepted).toBeLessThan(2700);
        } finally {
          await client.query("rollback");
        }
      });
    });
  });

  it("refuses, with a reason, the schedule that would hang pg_cron", () => {
    expect(cronScheduleProblem("# only a comment")).toContain("must end with a newline");
    expect(cronScheduleProblem("*/5 * * * *\n# trailing")).toBeUndefined();
  });

  it("names the failing field", () => {
    expect(cronScheduleProblem("*/30 * * 13 *")).toMatch(/^bad month field/);
    expect(cronScheduleProblem("@every")).toContain('unknown @-schedule "@every"');
    expect(cronScheduleProblem("x".repeat(1000))).toContain("longer than pg_cron's limit");
  });
});
