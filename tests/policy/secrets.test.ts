import { hasInlinePassword, secretsPolicy } from "../../policy/policies/secrets";
import { messages, runPolicy } from "./policyHarness";
import { UNKNOWN_STRING } from "./registeredResources";
import { asPolicyResources, changed, compliantStack, Target, urnOf, withInputs } from "./stackFixture";

const run = (resources = compliantStack()) => runPolicy(secretsPolicy, asPolicyResources(resources));

function unlisted(name: string, prop: string) {
  return changed(compliantStack(), name, (resource) => {
    resource.additionalSecretOutputs = resource.additionalSecretOutputs.filter((listed) => listed !== prop);
  });
}

describe("supabase-analytics-secrets", () => {
  it.each<Target>(["supabase", "supabase-existing", "postgres"])("accepts the fixture on target %s", async (target) => {
    expect(messages(await run(compliantStack({ target, stack: target === "postgres" ? "local" : "dev" })))).toEqual([]);
  });

  it("reports a Grant whose connection is not listed in additionalSecretOutputs", async () => {
    const resources = unlisted("grant-authenticated-analytics.manual_refresh", "connection");
    expect((await run(resources)).violations).toEqual([
      expect.objectContaining({
        urn: urnOf(resources, "grant-authenticated-analytics.manual_refresh"),
        message:
          'Grant "grant-authenticated-analytics.manual_refresh" does not list "connection" in additionalSecretOutputs; add it, so that the engine keeps connection encrypted in the stack\'s state and out of previews.',
      }),
    ]);
  });

  it.each(["connection", "dbPass"])("reports a Project that does not list %s (connection is an output the policy cannot see as a prop)", async (prop) => {
    expect(messages(await run(unlisted("project", prop)))).toEqual([expect.stringMatching(new RegExp(`^Project "project" does not list "${prop}" in additionalSecretOutputs`))]);
  });

  it("reports a plain-text password in a URL, without repeating it", async () => {
    const resources = withInputs(compliantStack(), "cron-refresh-analytics-views", {
      command: "select dblink_exec('postgresql://admin:hunter2@db.internal:5432/postgres', 'select 1')",
    });
    const result = messages(await run(resources));
    expect(result).toEqual([
      'CronJob "cron-refresh-analytics-views": prop "command" holds a URL with an inline password in plain text; pass it as a secret and list "command" in additionalSecretOutputs, or take the password out of the URL.',
    ]);
    expect(result.join("\n")).not.toContain("hunter2");
  });

  it("finds a password URL nested in objects and arrays", async () => {
    const resources = withInputs(compliantStack(), "postgrest-config", { replicas: [{ url: "postgres://reader:s3cret@replica:5432/db" }] });
    expect(messages(await run(resources))).toEqual([expect.stringContaining('PostgrestConfig "postgrest-config": prop "replicas" holds a URL with an inline password')]);
  });

  it("leaves URLs without a password and listed props alone", () => {
    expect(hasInlinePassword("https://abcdefghijklmnopqrst.supabase.co")).toBe(false);
    expect(hasInlinePassword("postgresql://postgres@127.0.0.1:5432/postgres")).toBe(false);
    expect(hasInlinePassword("pg-functions://postgres/public/custom_access_token_hook")).toBe(false);
    expect(hasInlinePassword("see postgresql://u:p@h/db for details")).toBe(true);
  });

  it("reports a credential prop on any resource that does not list it", async () => {
    expect(messages(await run(unlisted("auth-hook-custom-access-token", "accessToken")))).toEqual([]);
    const resources = withInputs(unlisted("auth-hook-custom-access-token", "accessToken"), "auth-hook-custom-access-token", { accessToken: "sbp_secret" });
    expect(messages(await run(resources))).toEqual([expect.stringMatching(/^AuthHook "auth-hook-custom-access-token" does not list "accessToken"/)]);
  });

  it("runs during a preview, when the Project's connection is still unknown", async () => {
    const resources = withInputs(compliantStack(), "extension-pg_cron", { connection: UNKNOWN_STRING });
    expect(messages(await run(resources))).toEqual([]);
    const unlistedUnknown = changed(resources, "extension-pg_cron", (resource) => {
      resource.additionalSecretOutputs = [];
    });
    expect(messages(await run(unlistedUnknown))).toEqual([expect.stringMatching(/^Extension "extension-pg_cron" does not list "connection"/)]);
  });
});
