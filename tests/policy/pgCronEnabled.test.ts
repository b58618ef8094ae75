import { pgCronEnabledPolicy } from "../../policy/policies/pgCronEnabled";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, changed, compliantStack, urnOf, withInputs } from "./stackFixture";

const EXTENSION = "extension-pg_cron";
const JOB = "cron-refresh-analytics-views";
const run = (resources = compliantStack()) => runPolicy(pgCronEnabledPolicy, asPolicyResources(resources));

describe("supabase-analytics-pg-cron-enabled", () => {
  it("accepts pg_cron in pg_catalog with the job depending on it", async () => {
    expect(messages(await run())).toEqual([]);
  });

  it("reports a stack without the pg_cron Extension", async () => {
    const result = await run(changed(compliantStack(), EXTENSION, () => null));
    expect(messages(result)).toEqual(['The stack has no Extension "pg_cron"; add one with name "pg_cron" and schema "pg_catalog" (the refresh job needs pg_cron).']);
  });

  it("reports pg_cron in another schema", async () => {
    const resources = withInputs(compliantStack(), EXTENSION, { schema: "extensions" });
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({ urn: urnOf(resources, EXTENSION), message: 'Extension "extension-pg_cron" installs pg_cron in schema "extensions"; set schema to "pg_catalog", where pg_cron lives.' }),
    ]);
  });

  it("reports a CronJob that does not wait for the Extension", async () => {
    const stack = compliantStack();
    const extensionUrn = urnOf(stack, EXTENSION);
    const resources = changed(stack, JOB, (job) => {
      job.dependencies = job.dependencies.filter((urn) => urn !== extensionUrn);
    });
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, JOB),
        message: 'CronJob "cron-refresh-analytics-views" does not depend on Extension "extension-pg_cron"; add it to the job\'s dependsOn, or a fresh database gets the job before pg_cron exists.',
      }),
    ]);
  });

  it("accepts the dependency through a parent: the job's parent waits for the Extension", async () => {
    const stack = compliantStack();
    const extensionUrn = urnOf(stack, EXTENSION);
    const component = stack.find((resource) => resource.name === "analytics")!;
    const refreshUrn = "urn:pulumi:dev::supabase-analytics::supabase-analytics:index:AnalyticsFoundation$supabase-analytics:index:Refresh::refresh";
    const resources = changed(stack, JOB, (job) => {
      job.dependencies = job.dependencies.filter((urn) => urn !== extensionUrn);
      job.parent = refreshUrn;
    });
    resources.push({ ...structuredClone(component), name: "refresh", type: "supabase-analytics:index:Refresh", urn: refreshUrn, parent: component.urn, dependencies: [extensionUrn] });
    expect(messages(await run(resources))).toEqual([]);
  });

  it("accepts the dependency through a parent: the job waits for a component holding the Extension", async () => {
    const stack = compliantStack();
    const extensionUrn = urnOf(stack, EXTENSION);
    const databaseUrn = "urn:pulumi:dev::supabase-analytics::supabase-analytics:index:Database::database";
    let resources = changed(stack, JOB, (job) => {
      job.dependencies = [...job.dependencies.filter((urn) => urn !== extensionUrn), databaseUrn];
    });
    resources = changed(resources, EXTENSION, (extension) => {
      extension.parent = databaseUrn;
    });
    const component = stack.find((resource) => resource.name === "analytics")!;
    resources.push({ ...structuredClone(component), name: "database", type: "supabase-analytics:index:Database", urn: databaseUrn });
    expect(messages(await run(resources))).toEqual([]);
  });
});
