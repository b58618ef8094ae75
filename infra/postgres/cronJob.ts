// CronJob: a pg_cron job, identified by its name (and the deploying user, as pg_cron does).
//
// - check refuses a schedule pg_cron 1.4 would refuse (cronSchedule.ts, tested against the
//   real cron.schedule) and a command that is not SQL (the real parser).
// - create and update call cron.schedule(job_name, schedule, command), which inserts or
//   updates the job of that name, then cron.alter_job(job_id, active := ...), because
//   cron.schedule does not touch `active`. Both in one transaction.
// - read reads cron.job by jobname: schedule, command and active changed out of band are
//   drift; a missing job (or a missing pg_cron) is no id.
// - delete unschedules; a job that is already gone is fine.
import type * as pulumi from "@pulumi/pulumi";
import type { ClientBase } from "pg";
import { dynamicResource, failure, hasSqlState, inTransaction, isKnownString, propertyFailures, providerError } from "../toolkit";
import { withDatabase } from "./connection";
import { cronScheduleProblem } from "./cronSchedule";
import {
  CommonInputs,
  connectionFailures,
  PostgresArgs,
  diffProperties,
  nameProblem,
  POSTGRES_SECRETS,
  requiredString,
  STORED_ONLY_KEYS,
} from "./providerInputs";

export interface CronJobArgs extends PostgresArgs {
  /**
   * The job's name in cron.job, e.g. refresh-analytics-views; a new name replaces the job.
   * @default none (required)
   */
  jobName: pulumi.Input<string>;
  /**
   * Five cron fields (minute hour day-of-month month day-of-week) or an @-word, as pg_cron 1.4 reads them.
   * @default none (required)
   */
  schedule: pulumi.Input<string>;
  /**
   * The SQL the job runs.
   * @default none (required)
   */
  command: pulumi.Input<string>;
  /**
   * Whether pg_cron runs the job; false keeps it scheduled but paused.
   * @default true
   */
  active?: pulumi.Input<boolean>;
}

export interface CronJobInputs extends CommonInputs {
  jobName: string;
  schedule: string;
  command: string;
  active: boolean;
}

export interface CronJobOutputs extends CronJobInputs {
  /** cron.job.jobid; a job re-created after a drop gets a new one. */
  jobId: number;
}

const SCHEDULE_SQL = "select cron.schedule($1::text, $2::text, $3::text) as job_id";
const SET_ACTIVE_SQL = "select cron.alter_job($1::bigint, active := $2::boolean)";
const READ_JOB_SQL = `
  select jobid as job_id, schedule, command, active
  from cron.job
  where jobname = $1 and username = current_user`;
const UNSCHEDULE_SQL = "select cron.unschedule(jobid) from cron.job where jobname = $1 and username = current_user";
/** Schema cron or its table missing: pg_cron is not installed in this database. */
const CRON_MISSING = ["3F000", "42P01", "42883"];

const REPLACE_KEYS = ["jobName"];
const DATABASE_KEYS = ["schedule", "command", "active"];
const DIFF_KEYS = [...REPLACE_KEYS, ...DATABASE_KEYS, ...STORED_ONLY_KEYS];

function resolveInputs(news: CronJobInputs): CronJobInputs {
  return { ...news, active: news.active ?? true };
}

function scheduleProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "required: a cron schedule such as */30 * * * *";
  const problem = cronScheduleProblem(value);
  return problem ? `"${value}" is not a schedule pg_cron 1.4 accepts: ${problem}` : undefined;
}

async function parseProblem(command: string): Promise<string | undefined> {
  const { parse } = require("libpg-query") as typeof import("libpg-query");
  try {
    const result = (await parse(command)) as { stmts?: unknown[] };
    return (result.stmts ?? []).length === 0 ? "holds no SQL statement" : undefined;
  } catch (error) {
    if (!(error as { sqlDetails?: unknown }).sqlDetails) throw error;
    return `is not valid SQL: ${(error as Error).message}`;
  }
}

async function schedule(client: ClientBase, inputs: CronJobInputs): Promise<number> {
  try {
    return await inTransaction(client, async () => {
      const { rows } = await client.query<{ job_id: string }>(SCHEDULE_SQL, [inputs.jobName, inputs.schedule, inputs.command]);
      await client.query(SET_ACTIVE_SQL, [rows[0].job_id, inputs.active]);
      return Number(rows[0].job_id);
    });
  } catch (error) {
    if (hasSqlState(error, ...CRON_MISSING)) {
      throw providerError(
        `cron job ${inputs.jobName}: pg_cron is not installed in this database; create the Extension pg_cron first and make the CronJob depend on it`,
        "3F000",
      );
    }
    throw error;
  }
}

async function readJob(client: ClientBase, jobName: string): Promise<{ job_id: string; schedule: string; command: string; active: boolean } | undefined> {
  try {
    const { rows } = await client.query<{ job_id: string; schedule: string; command: string; active: boolean }>(READ_JOB_SQL, [jobName]);
    return rows[0];
  } catch (error) {
    if (hasSqlState(error, ...CRON_MISSING)) return undefined;
    throw error;
  }
}

export const cronJobProvider: pulumi.dynamic.ResourceProvider<CronJobInputs, CronJobOutputs> = {
  async check(_olds, news) {
    const inputs = resolveInputs(news);
    const failures = [
      ...connectionFailures(inputs.connection),
      ...propertyFailures("jobName", inputs.jobName, (value) => nameProblem(value, "refresh-analytics-views")),
      ...propertyFailures("schedule", inputs.schedule, scheduleProblem),
      ...propertyFailures("command", inputs.command, requiredString),
    ];
    if (isKnownString(inputs.command) && requiredString(inputs.command) === undefined) {
      failures.push(...failure("command", await parseProblem(inputs.command)));
    }
    failures.push(...propertyFailures("active", inputs.active, (value) => (typeof value === "boolean" ? undefined : "must be true or false")));
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const { changed, replaces } = diffProperties(resolveInputs(olds), resolveInputs(news), DIFF_KEYS, REPLACE_KEYS);
    return { changes: changed.length > 0, replaces };
  },

  async create(news) {
    const inputs = resolveInputs(news);
    const jobId = await withDatabase(inputs.connection, `cron job ${inputs.jobName}`, (client) => schedule(client, inputs));
    return { id: inputs.jobName, outs: { ...inputs, jobId } };
  },

  async read(id, props) {
    if (!props) return {};
    const job = await withDatabase(props.connection, `reading cron job ${props.jobName}`, (client) => readJob(client, props.jobName));
    if (!job) return {};
    return {
      id,
      props: { ...props, schedule: job.schedule, command: job.command, active: job.active, jobId: Number(job.job_id) },
    };
  },

  async update(_id, olds, news) {
    const inputs = resolveInputs(news);
    const { changed } = diffProperties(resolveInputs(olds), inputs, DATABASE_KEYS, []);
    if (changed.length === 0) return { outs: { ...inputs, jobId: olds.jobId } };
    const jobId = await withDatabase(inputs.connection, `cron job ${inputs.jobName}`, (client) => schedule(client, inputs));
    return { outs: { ...inputs, jobId } };
  },

  async delete(_id, props) {
    await withDatabase(props.connection, `unscheduling cron job ${props.jobName}`, async (client) => {
      try {
        await client.query(UNSCHEDULE_SQL, [props.jobName]);
      } catch (error) {
        // Without pg_cron there is no job to remove.
        if (!hasSqlState(error, ...CRON_MISSING)) throw error;
      }
    });
  },
};

/** pulumi-nodejs:dynamic/postgres:CronJob */
export const CronJob = dynamicResource<CronJobArgs, CronJobOutputs>(
  { provider: cronJobProvider, module: "postgres", type: "CronJob", file: __filename, secrets: POSTGRES_SECRETS },
  (args) => ({ ...args, active: args.active ?? true, jobId: undefined }),
);
export type CronJob = InstanceType<typeof CronJob>;
