// The CronJob provider with the real pg_cron 1.4, in the cron database.
import { cronJobProvider, CronJobInputs, CronJobOutputs } from "../../infra/postgres";
import { createFreshDatabase, withClient, withCronDatabase } from "../support/db";
import { queryRows, rejectionOf } from "./support";

interface JobRow extends Record<string, unknown> {
  jobname: string;
  schedule: string;
  command: string;
  active: boolean;
}

async function jobs(url: string): Promise<JobRow[]> {
  return queryRows<JobRow>(url, "select jobname, schedule, command, active from cron.job order by jobname");
}

/** The cron database with pg_cron installed. */
async function withPgCron(fn: (url: string) => Promise<void>): Promise<void> {
  await withCronDatabase(async (url) => {
    await withClient(url, (client) => client.query("create extension if not exists pg_cron with schema pg_catalog"));
    await fn(url);
  });
}

function refreshJob(url: string, extra: Partial<CronJobInputs> = {}): CronJobInputs {
  return {
    connection: url,
    jobName: "refresh-analytics-views",
    schedule: "*/30 * * * *",
    command: "select analytics.refresh_all_views()",
    active: true,
    
    ...extra,
  };
}

describe("CronJob: create, read, diff, update, delete", () => {
  it("schedules, reads, updates in place and unschedules", async () => {
    await withPgCron(async (url) => {
      const { active: _defaulted, ...withoutActive } = refreshJob(url);
      const checked = await cronJobProvider.check!({} as CronJobInputs, withoutActive as CronJobInputs);
      expect(checked).toEqual({ inputs: refreshJob(url), failures: [] });
      const inputs = checked.inputs as CronJobInputs;

      const { id, outs } = await cronJobProvider.create(inputs);
      const created = outs as CronJobOutputs;
      expect(id).toBe("refresh-analytics-views");
      expect(created).toEqual({ ...inputs, jobId: expect.any(Number) });
      expect(await jobs(url)).toEqual([{ jobname: "refresh-analytics-views", schedule: "*/30 * * * *", command: inputs.command, active: true }]);

      expect(await cronJobProvider.read!(id, created)).toEqual({ id, props: created });
      expect(await cronJobProvider.diff!(id, created, inputs)).toEqual({ changes: false, replaces: [] });
      expect(await cronJobProvider.diff!(id, created, { ...inputs, jobName: "other" })).toEqual({ changes: true, replaces: ["jobName"] });

      const changed = { ...inputs, schedule: "0 * * * *", active: false };
      expect(await cronJobProvider.diff!(id, created, changed)).toEqual({ changes: true, replaces: [] });
      const updated = (await cronJobProvider.update!(id, created, changed)).outs as CronJobOutputs;
      expect(updated.jobId).toBe(created.jobId);
      expect(await jobs(url)).toEqual([{ jobname: "refresh-analytics-views", schedule: "0 * * * *", command: inputs.command, active: false }]);

      // Only the connection: stored, the job is not touched.
      await withClient(url, (client) => client.query("select cron.alter_job(jobid, schedule := '1 * * * *') from cron.job"));
      const moved = { ...changed, connection: `${url}?application_name=moved` };
      expect((await cronJobProvider.update!(id, updated, moved)).outs).toEqual({ ...moved, jobId: created.jobId });
      expect((await jobs(url))[0].schedule).toBe("1 * * * *");

      await cronJobProvider.delete!(id, updated);
      expect(await jobs(url)).toEqual([]);
      // Already gone: fine.
      await cronJobProvider.delete!(id, updated);
    });
  });

  it("sees a schedule changed to */15 and a deactivated job, and update restores both", async () => {
    await withPgCron(async (url) => {
      const inputs = refreshJob(url);
      const { id, outs } = await cronJobProvider.create(inputs);
      await withClient(url, (client) => client.query("select cron.alter_job(jobid, schedule := '*/15 * * * *', active := false) from cron.job"));

      const read = await cronJobProvider.read!(id, outs as CronJobOutputs);
      expect(read.props).toMatchObject({ schedule: "*/15 * * * *", active: false, command: inputs.command });
      expect(await cronJobProvider.diff!(id, read.props as CronJobOutputs, inputs)).toEqual({ changes: true, replaces: [] });
      await cronJobProvider.update!(id, read.props as CronJobOutputs, inputs);
      expect(await jobs(url)).toEqual([{ jobname: "refresh-analytics-views", schedule: "*/30 * * * *", command: inputs.command, active: true }]);
    });
  });

  it("sees a changed command, and a job removed out of band as gone (create schedules it again)", async () => {
    await withPgCron(async (url) => {
      const inputs = refreshJob(url);
      const { id, outs } = await cronJobProvider.create(inputs);
      await withClient(url, (client) => client.query("select cron.alter_job(jobid, command := 'select 1') from cron.job"));
      expect((await cronJobProvider.read!(id, outs as CronJobOutputs)).props?.command).toBe("select 1");

      await withClient(url, (client) => client.query("select cron.unschedule('refresh-analytics-views')"));
      expect((await cronJobProvider.read!(id, outs as CronJobOutputs)).id).toBeFalsy();
      await cronJobProvider.create(inputs);
      expect(await jobs(url)).toHaveLength(1);
    });
  });

  it("reads a job as gone when pg_cron is not installed, and says so on create", async () => {
    const db = await createFreshDatabase("pg_cronjob");
    try {
      const inputs = refreshJob(db.url);
      expect((await cronJobProvider.read!("refresh-analytics-views", { ...inputs, jobId: 1 })).id).toBeFalsy();
      const error = await rejectionOf(cronJobProvider.create(inputs));
      expect(error.message).toContain("pg_cron is not installed in this database; create the Extension pg_cron first");
      await cronJobProvider.delete!("refresh-analytics-views", { ...inputs, jobId: 1 });
    } finally {
      await db.drop();
    }
  });
});

describe("CronJob: check", () => {
  const good = (): CronJobInputs => refreshJob("postgresql://u:p@db.example.com/postgres?sslmode=require");

  it.each([
    ["schedule", { schedule: "*/30 * * 13 *" }, "is not a schedule pg_cron 1.4 accepts: bad month field"],
    ["schedule", { schedule: "30 seconds" }, "not a schedule pg_cron 1.4 accepts"],
    ["schedule", { schedule: "@every 5m" }, "unknown @-schedule"],
    ["command", { command: "" }, "required"],
    ["command", { command: "selec analytics.refresh_all_views()" }, "is not valid SQL: syntax error"],
    ["command", { command: "-- nothing" }, "holds no SQL statement"],
    ["jobName", { jobName: "" }, "required"],
    ["jobName", { jobName: "j".repeat(64) }, "longer than 63 bytes"],
    ["active", { active: "yes" as unknown as boolean }, "true or false"],
  ])("fails on %s %j", async (property, change, reason) => {
    const checked = await cronJobProvider.check!({} as CronJobInputs, { ...good(), ...change } as CronJobInputs);
    expect(checked.failures).toEqual([{ property, reason: expect.stringContaining(reason) }]);
  });
});
