// 1. The refresh-analytics-views cron job runs `select analytics.refresh_all_views()` every
// 30 minutes (or the schedule set in the policy config), and is active.
import type { StackValidationPolicy } from "@pulumi/policy";
import { policyConfig, stringOption } from "../lib/config";
import { CronJobProps, describeResource, ofType } from "../lib/resources";
import { sameSql } from "../lib/sql/parser";
import { REFRESH_COMMAND, REFRESH_JOB_NAME, REFRESH_SCHEDULE } from "../requirements";

const config = policyConfig({
  schedule: stringOption(REFRESH_SCHEDULE, "The pg_cron schedule the refresh job must have, exactly as written in the stack."),
});

export const refreshSchedulePolicy: StackValidationPolicy = {
  name: "supabase-analytics-refresh-schedule",
  description: `A CronJob "${REFRESH_JOB_NAME}" runs \`${REFRESH_COMMAND}\` on the schedule "${REFRESH_SCHEDULE}" (configurable) and is active.`,
  enforcementLevel: "mandatory",
  configSchema: config.schema,
  validateStack: async (args, reportViolation) => {
    const expected = config.read(args).schedule;
    const jobs = ofType(args.resources, "cronJob").filter((job) => (job.props as CronJobProps).jobName === REFRESH_JOB_NAME);
    if (jobs.length === 0) {
      reportViolation(
        `The stack has no CronJob with jobName "${REFRESH_JOB_NAME}": add one with schedule "${expected}" and command \`${REFRESH_COMMAND}\`, or the analytics views are never refreshed.`,
      );
      return;
    }
    if (jobs.length > 1) {
      reportViolation(`${jobs.length} CronJobs are named "${REFRESH_JOB_NAME}" (${jobs.map((job) => job.name).join(", ")}); pg_cron keeps one job per name, keep one resource.`);
    }
    for (const job of jobs) {
      const props = job.props as CronJobProps;
      const name = describeResource(job);
      if (props.schedule !== expected) {
        reportViolation(`${name} has schedule "${props.schedule}"; set it to "${expected}" (the refresh runs every 30 minutes).`, job.urn);
      }
      if (!(await sameSql(String(props.command), REFRESH_COMMAND))) {
        reportViolation(`${name} runs \`${props.command}\`; set its command to \`${REFRESH_COMMAND}\`.`, job.urn);
      }
      if (props.active !== true) {
        reportViolation(`${name} is not active (active: ${String(props.active)}); set active: true, or the views go stale.`, job.urn);
      }
    }
  },
};
