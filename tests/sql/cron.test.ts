// pg_cron end to end, in the cron database: the migrations, then pg_cron created after them
// (as the stack's Extension resource may be), the refresh scheduled with pg_cron 1.4's
// finest schedule (every minute: it has no seconds), a succeeded run in cron.job_run_details
// and its row in analytics.refresh_runs, then the job unscheduled. Slow: it waits for the
// next minute boundary (bounded poll, up to ~110 s).
import { Client } from "pg";
import { applyGrants, applyMigrations } from "../support/applySql";
import { withClient, withCronDatabase } from "../support/db";
import { asCaller } from "../support/securityMatrix";

const JOB_NAME = "refresh-analytics-views";
const COMMAND = "select analytics.refresh_all_views()";
const POLL_LIMIT_MS = 110_000;
const ADMIN_CLAIMS = { sub: "9d1e5b7a-3c2f-4e8d-a6b0-7f1c2d3e4a5b", role: "authenticated", user_role: "admin" };

interface JobRun { status: string; return_message: string | null }

/** Polls cron.job_run_details (bounded) until the job has a finished run; returns it. */
async function waitForFinishedRun(client: Client, jobId: number): Promise<JobRun> {
  for (let waited = 0; waited < POLL_LIMIT_MS; waited += 1000) {
    const { rows } = await client.query<JobRun>(
      "select status, return_message from cron.job_run_details where jobid = $1 and status in ('succeeded', 'failed') order by runid desc limit 1",
      [jobId],
    );
    if (rows.length > 0) return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`pg_cron did not finish a run of job ${jobId} within ${POLL_LIMIT_MS / 1000} s (is cron.use_background_workers on, or can pg_cron connect?)`);
}

describe("pg_cron end to end", () => {
  it("(slow) runs the scheduled refresh: a succeeded job run, a refresh_runs row, then unscheduled", async () => {
    await withCronDatabase(async (url) => {
      await applyMigrations(url);
      await applyGrants(url);
      await withClient(url, async (client) => {
        await client.query("create extension if not exists pg_cron with schema pg_catalog");
        const { rows: before } = await client.query<{ last: string | null }>("select max(id)::text as last from analytics.refresh_runs");
        const { rows: scheduled } = await client.query<{ jobid: string }>("select cron.schedule($1, '* * * * *', $2) as jobid", [JOB_NAME, COMMAND]);
        const jobId = Number(scheduled[0].jobid);
        try {
          const run = await waitForFinishedRun(client, jobId);
          expect(run).toEqual({ status: "succeeded", return_message: "SELECT 1" });

          const { rows: recorded } = await client.query<{ status: string; requested_by: string; views: number }>(
            `select status, requested_by, (select count(*) from jsonb_object_keys(view_durations))::int as views
               from analytics.refresh_runs where id > coalesce($1::bigint, 0) and status <> 'skipped' order by id`,
            [before[0].last],
          );
          expect(recorded[0]).toEqual({ status: "succeeded", requested_by: "postgres", views: 7 });

          // What admins see through the API.
          const status = await asCaller(client, { role: "authenticated", claims: ADMIN_CLAIMS }, async (c) => {
            const { rows } = await c.query("select jobid::int, jobname, schedule, command, active, last_run_status from analytics.get_cron_job_status()");
            return rows;
          });
          expect(status).toEqual([
            { jobid: jobId, jobname: JOB_NAME, schedule: "* * * * *", command: COMMAND, active: true, last_run_status: "succeeded" },
          ]);
        } finally {
          await client.query("select cron.unschedule($1::bigint)", [jobId]);
        }
        const { rows: left } = await client.query("select jobid from cron.job where jobname = $1", [JOB_NAME]);
        expect(left).toEqual([]);
      });
    });
  }, POLL_LIMIT_MS + 40_000);
});
