import { sha256Hex } from "../../infra/migrations";
import { migrationsPolicy } from "../../policy/policies/migrations";
import { messages, runPolicy } from "./policyHarness";
import { asPolicyResources, changed, compliantStack, urnOf, withInputs } from "./stackFixture";

const run = (resources = compliantStack()) => runPolicy(migrationsPolicy, asPolicyResources(resources));

describe("supabase-analytics-migrations", () => {
  it("accepts the chain of real migrations", async () => {
    expect(messages(await run())).toEqual([]);
  });

  it("reports a migration out of order: one that skips its predecessor", async () => {
    const stack = compliantStack();
    const resources = changed(stack, "migration-20260128100005", (migration) => {
      migration.dependencies = migration.dependencies.map((urn) => (urn === urnOf(stack, "migration-20260128100004") ? urnOf(stack, "migration-20260128100003") : urn));
    });
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, "migration-20260128100005"),
        message:
          'Migration "migration-20260128100005" does not depend on Migration "migration-20260128100004", the migration before it in version order; add it to dependsOn so the files apply in order.',
      }),
    ]);
  });

  it("reports a migration whose version puts it before one it waits for", async () => {
    const resources = withInputs(compliantStack(), "migration-20260128100009", { version: "20260128099999" });
    // Sorted by version, migration-20260128100009 now comes first: the next one must wait for it.
    expect(messages(await run(resources))).toEqual([
      'Migration "migration-20260128100000" does not depend on Migration "migration-20260128100009", the migration before it in version order; add it to dependsOn so the files apply in order.',
      // The file after 20260128100009 in the stack now follows 20260128100008 in version order.
      'Migration "migration-20261202110000" does not depend on Migration "migration-20260128100008", the migration before it in version order; add it to dependsOn so the files apply in order.',
    ]);
  });

  it("reports a version that is not 14 digits", async () => {
    const resources = withInputs(compliantStack(), "migration-20260128100009", { version: "2026012810009" });
    expect(messages(await run(resources))).toContain(
      'Migration "migration-20260128100009" has version "2026012810009"; versions are 14-digit UTC timestamps (YYYYMMDDHHMMSS): rename sql/migrations/2026012810009_populate_analytics_views.sql.',
    );
  });

  it("reports a version used twice", async () => {
    const resources = withInputs(compliantStack(), "migration-20260128100009", { version: "20260128100008" });
    expect(messages(await run(resources))).toContain(
      "Version 20260128100008 is used by 2 Migrations (migration-20260128100008, migration-20260128100009); give each file its own timestamp.",
    );
  });

  it("reports a checksum that is not the sha256 of the SQL (an edited migration)", async () => {
    const stack = compliantStack();
    const original = stack.find((resource) => resource.name === "migration-20260128100003")!;
    const resources = withInputs(stack, "migration-20260128100003", { sql: `${String(original.inputs.sql)}\n-- edited after it was applied\n` });
    expect(messages(await run(resources))).toEqual([
      `Migration "migration-20260128100003": checksum ${String(original.inputs.checksum)} is not the sha256 of its sql; set checksum from the file (infra/migrations.ts does), and never edit an applied migration: add a new one.`,
    ]);
    expect(original.inputs.checksum).toBe(sha256Hex(String(original.inputs.sql)));
  });
});
