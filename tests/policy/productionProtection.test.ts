import { productionProtectionPolicy } from "../../policy/policies/productionProtection";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, changed, compliantStack, urnOf } from "./stackFixture";
import type { RegisteredResource } from "./registeredResources";

const run = (resources: RegisteredResource[], config: Record<string, unknown> = {}) => runPolicy(productionProtectionPolicy, asPolicyResources(resources), config);

describe("supabase-analytics-production-protection", () => {
  it("accepts prod with a protected Project and retained Migrations", async () => {
    expect(messages(await run(compliantStack({ stack: "prod" })))).toEqual([]);
  });

  it("reports an unprotected Project on prod", async () => {
    const resources = changed(compliantStack({ stack: "prod" }), "project", (project) => {
      project.protect = false;
    });
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, "project"),
        message: 'Project "project" is not protected on production stack "prod"; set protect: true, so that pulumi destroy cannot delete the production project.',
      }),
    ]);
  });

  it("reports a Migration that is not retainOnDelete on a prod-prefixed stack", async () => {
    const resources = changed(compliantStack({ stack: "prod-eu" }), "migration-20260128100004", (migration) => {
      migration.retainOnDelete = false;
    });
    expect(messages(await run(resources))).toEqual([
      'Migration "migration-20260128100004" is not retainOnDelete on production stack "prod-eu"; set retainOnDelete: true, so that removing it from the stack never runs its down SQL against production data.',
    ]);
  });

  it("skips the Migration half when the host does not pass retainOnDelete (the Pulumi CLI today)", async () => {
    const resources = asPolicyResources(compliantStack({ stack: "prod" }));
    for (const resource of resources) delete (resource.opts as { retainOnDelete?: boolean }).retainOnDelete;
    expect(messages(await runPolicy(productionProtectionPolicy, resources))).toEqual([]);
  });

  it("only advises on other stacks: not applicable, with the advice as the reason", async () => {
    const result = await run(compliantStack({ stack: "dev" }));
    expect(result.violations).toEqual([]);
    expect(result.notApplicable).toEqual([
      'stack "dev" is not a production stack (its name does not start with "prod"): protect on the Project and retainOnDelete on the Migrations are advised here, and required on production stacks',
    ]);
  });

  it("takes the production prefix from the policy config", async () => {
    const result = await run(compliantStack({ stack: "staging" }), { productionStackPrefix: "staging" });
    expect(messages(result)).toEqual([expect.stringContaining('Project "project" is not protected on production stack "staging"'), ...Array(12).fill(expect.stringContaining("is not retainOnDelete"))]);
  });
});
