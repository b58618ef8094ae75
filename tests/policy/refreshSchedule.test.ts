import { refreshSchedulePolicy } from "../../policy/policies/refreshSchedule";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, changed, compliantStack, urnOf, withInputs } from "./stackFixture";

const JOB = "cron-refresh-analytics-views";

async function check(resources = compliantStack(), config: Record<string, unknown> = {}) {
  return runPolicy(refreshSchedulePolicy, asPolicyResources(resources), config);
}

describe("supabase-analytics-refresh-schedule", () => {
  it("accepts the */30 job, with the default applied in code when the config is empty", async () => {
    expect(messages(await check())).toEqual([]);
  });

  it("reports a schedule of */60 on the job, naming it and the schedule to set", async () => {
    const resources = withInputs(compliantStack(), JOB, { schedule: "*/60 * * * *" });
    const run = await check(resources);
    expect(run.violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, JOB),
        message: 'CronJob "cron-refresh-analytics-views" has schedule "*/60 * * * *"; set it to "*/30 * * * *" (the refresh runs every 30 minutes).',
      }),
    ]);
  });

  it("takes the expected schedule from the policy config", async () => {
    expect(messages(await check(compliantStack(), { schedule: "*/15 * * * *" }))).toEqual([expect.stringContaining('set it to "*/15 * * * *"')]);
    const every15 = withInputs(compliantStack(), JOB, { schedule: "*/15 * * * *" });
    expect(messages(await check(every15, { schedule: "*/15 * * * *" }))).toEqual([]);
  });

  it("compares the command as SQL: case, spacing and a final semicolon do not matter", async () => {
    const resources = withInputs(compliantStack(), JOB, { command: "SELECT  analytics.refresh_all_views() ;" });
    expect(messages(await check(resources))).toEqual([]);
  });

  it.each([
    ["another function", "select analytics.manual_refresh()"],
    ["an extra statement", "select analytics.refresh_all_views(); delete from analytics.refresh_runs"],
    ["SQL that does not parse", "selec analytics.refresh_all_views()"],
  ])("reports a command that runs %s", async (_what, command) => {
    const run = await check(withInputs(compliantStack(), JOB, { command }));
    expect(messages(run)).toEqual([`CronJob "${JOB}" runs \`${command}\`; set its command to \`select analytics.refresh_all_views()\`.`]);
  });

  it("reports an inactive job", async () => {
    const run = await check(withInputs(compliantStack(), JOB, { active: false }));
    expect(messages(run)).toEqual([`CronJob "${JOB}" is not active (active: false); set active: true, or the views go stale.`]);
  });

  it("reports a stack without the job, at stack level", async () => {
    const run = await check(changed(compliantStack(), JOB, () => null));
    expect(run.violations).toEqual([expect.objectContaining({ message: expect.stringContaining('no CronJob with jobName "refresh-analytics-views"') })]);
    expect(run.violations[0].urn).toBeUndefined();
  });

  it("reports a job under another name as missing the refresh job", async () => {
    const run = await check(withInputs(compliantStack(), JOB, { jobName: "refresh-views" }));
    expect(messages(run)).toEqual([expect.stringContaining("add one with schedule")]);
  });
});
