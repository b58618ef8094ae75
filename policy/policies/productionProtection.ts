// 9. Production protection. On a stack whose name starts with "prod" (configurable), the Supabase
// Project is `protect`ed (pulumi destroy cannot delete it) and the Migrations are
// `retainOnDelete` (removing them from the stack never runs their down SQL).
//
// The stack name comes from the resources' URNs (urn:pulumi:<stack>::...): @pulumi/policy passes
// no stack name to policies, and URNs carry it in every engine call. The enforcement level of a
// policy is fixed, so this one is mandatory and applies to production stacks only; on any other
// stack it reports itself not applicable, with the advice as the reason. `retainOnDelete` is not
// part of the analyzer protocol of @pulumi/policy 1.21: when the host does not pass it (the Pulumi
// CLI today), the Migration half cannot be checked and is skipped; the program's unit tests cover
// it, and the pack's tests run this policy with hosts that pass it.
import type { StackValidationPolicy } from "@pulumi/policy";
import { stackOfUrn } from "../lib/graph";
import { policyConfig, stringOption } from "../lib/config";
import { describeResource, ofType, ResourceOptions } from "../lib/resources";
import { PRODUCTION_STACK_PREFIX } from "../requirements";

const config = policyConfig({
  productionStackPrefix: stringOption(PRODUCTION_STACK_PREFIX, "Stacks whose name starts with this prefix are production stacks."),
});

export const productionProtectionPolicy: StackValidationPolicy = {
  name: "supabase-analytics-production-protection",
  description:
    'On stacks whose name starts with "prod", the Supabase Project is protected and every Migration is retainOnDelete (advised, not enforced, on other stacks).',
  enforcementLevel: "mandatory",
  configSchema: config.schema,
  validateStack: (args, reportViolation) => {
    const prefix = config.read(args).productionStackPrefix;
    const stack = args.resources.map((resource) => stackOfUrn(resource.urn)).find((name) => name !== undefined);
    if (stack === undefined || !stack.startsWith(prefix)) {
      args.notApplicable(
        `stack "${stack ?? "?"}" is not a production stack (its name does not start with "${prefix}"): protect on the Project and retainOnDelete on the Migrations are advised here, and required on production stacks`,
      );
    }
    for (const project of ofType(args.resources, "project")) {
      if (project.opts.protect === true) continue;
      reportViolation(`${describeResource(project)} is not protected on production stack "${stack}"; set protect: true, so that pulumi destroy cannot delete the production project.`, project.urn);
    }
    for (const migration of ofType(args.resources, "migration")) {
      if ((migration.opts as ResourceOptions).retainOnDelete !== false) continue;
      reportViolation(
        `${describeResource(migration)} is not retainOnDelete on production stack "${stack}"; set retainOnDelete: true, so that removing it from the stack never runs its down SQL against production data.`,
        migration.urn,
      );
    }
  },
};
