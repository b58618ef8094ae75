// 4. pg_cron is an Extension resource in pg_catalog, and every CronJob waits for it (directly or
// through a parent), so that a fresh database gets the extension before the job.
import type { StackValidationPolicy } from "@pulumi/policy";
import { dependsOn } from "../lib/graph";
import { describeResource, ExtensionProps, ofType } from "../lib/resources";

export const PG_CRON = { name: "pg_cron", schema: "pg_catalog" } as const;

export const pgCronEnabledPolicy: StackValidationPolicy = {
  name: "supabase-analytics-pg-cron-enabled",
  description: `An Extension "${PG_CRON.name}" exists in schema ${PG_CRON.schema}, and every CronJob depends on it, directly or through a parent.`,
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const extensions = ofType(args.resources, "extension").filter((resource) => (resource.props as ExtensionProps).name === PG_CRON.name);
    if (extensions.length === 0) {
      reportViolation(`The stack has no Extension "${PG_CRON.name}"; add one with name "${PG_CRON.name}" and schema "${PG_CRON.schema}" (the refresh job needs pg_cron).`);
    }
    for (const extension of extensions) {
      const schema = (extension.props as ExtensionProps).schema;
      if (schema !== PG_CRON.schema) {
        reportViolation(`${describeResource(extension)} installs ${PG_CRON.name} in schema "${schema}"; set schema to "${PG_CRON.schema}", where pg_cron lives.`, extension.urn);
      }
    }
    if (extensions.length === 0) return;
    for (const job of ofType(args.resources, "cronJob")) {
      if (extensions.some((extension) => dependsOn(job, extension))) continue;
      reportViolation(
        `${describeResource(job)} does not depend on ${describeResource(extensions[0])}; add it to the job's dependsOn, or a fresh database gets the job before pg_cron exists.`,
        job.urn,
      );
    }
  },
};
