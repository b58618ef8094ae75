import { schemaDriftPolicy } from "../../policy/policies/schemaDrift";
import { RESOURCE_TYPES } from "../../policy/lib/resources";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, compliantStack } from "./stackFixture";
import type { RegisteredResource } from "./registeredResources";

/** The compliant stack with a Schema resource whose props are `props`. */
function withSchema(props: Record<string, unknown>): RegisteredResource[] {
  const resources = compliantStack({ target: "postgres" });
  const component = resources.find((resource) => resource.name === "analytics")!;
  resources.push({
    urn: `${component.urn.replace(/::analytics$/, "")}$${RESOURCE_TYPES.schema}::schema`,
    type: RESOURCE_TYPES.schema,
    name: "schema",
    custom: true,
    parent: component.urn,
    inputs: { connection: "postgresql://postgres:fixture-password@127.0.0.1:54329/postgres", ...props },
    secretInputs: ["connection"],
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    additionalSecretOutputs: ["connection"],
  });
  return resources;
}

const run = (resources: RegisteredResource[]) => runPolicy(schemaDriftPolicy, asPolicyResources(resources));

describe("supabase-analytics-schema-security-drift", () => {
  it("accepts a Schema without drift, and drift that opens nothing", async () => {
    expect(messages(await run(withSchema({ drift: [], securityDrift: [] })))).toEqual([]);
    const harmless = ["missing index analytics.popular_tracks_track_id_key on analytics.popular_tracks"];
    expect(messages(await run(withSchema({ drift: harmless, securityDrift: [] })))).toEqual([]);
  });

  it("reports each security-relevant line, naming the resource and the way back", async () => {
    const lines = ["analytics.refresh_runs: row level security is off", "unexpected function analytics.backdoor(): security definer, executable by anon, public"];
    const result = await run(withSchema({ drift: lines, securityDrift: lines }));
    expect(messages(result)).toEqual(
      lines.map(
        (line) =>
          `Schema "schema": ${line}. The database differs from its migrations where access is concerned: ` +
          "`pulumi up --refresh --yes --skip-preview` puts it back (docs/schema-drift.md), or write a migration if the change is wanted.",
      ),
    );
    expect(result.violations.every((violation) => violation.urn?.endsWith("::schema"))).toBe(true);
  });

  it("is not fooled by a Schema without the property (an older provider's state)", async () => {
    expect(messages(await run(withSchema({ drift: ["x"] })))).toEqual([]);
  });
});
