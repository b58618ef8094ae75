// AuthHook provider against the fake: it sends only the two hook fields, reads the live hook
// for drift, disables it on delete, and refuses URIs the Supabase CLI and Auth would refuse.
import { CUSTOM_ACCESS_TOKEN_HOOK_URI } from "../../infra/adminSurface";
import { authHookProvider, pgFunctionsUriProblem, type AuthHookInputs, type AuthHookOutputs } from "../../infra/supabase/authHook";
import { ACCESS_TOKEN_ENV } from "../../infra/supabase/credentials";
import { rejectionOf, serialized, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();

function inputs(projectRef: string, overrides: Partial<AuthHookInputs> = {}): AuthHookInputs {
  return { projectRef, hook: "custom_access_token", enabled: true, uri: CUSTOM_ACCESS_TOKEN_HOOK_URI, ...overrides };
}

describe("AuthHook check", () => {
  it("accepts the stack's hook", async () => {
    const result = await authHookProvider.check!({} as AuthHookInputs, inputs("abcdefghijklmnopqrst"));
    expect(result.failures).toEqual([]);
  });

  it("fails without a token, and on an API URL that is not http(s)", async () => {
    delete process.env[ACCESS_TOKEN_ENV];
    const result = await authHookProvider.check!({} as AuthHookInputs, inputs("abcdefghijklmnopqrst", { apiUrl: "ftp://api.example" }));
    expect(result.failures?.map((failure) => failure.property)).toEqual(["accessToken", "apiUrl"]);
    expect(result.failures?.[0].reason).toMatch(/SUPABASE_ACCESS_TOKEN.*supabase:accessToken/);
  });

  it.each([
    ["pg-functions://postgres/public/custom_access_token_hook", undefined],
    ["PG-FUNCTIONS://postgres/public/hook", undefined], // schemes are case-insensitive, as in the CLI
    ["pg-functions://postgres/public", "exactly three parts"],
    ["pg-functions://postgres/public/hook/extra", "exactly three parts"],
    ["pg-functions://postgres/public/", 'function "" is not a plain identifier'],
    ["pg-functions://postgres/pub lic/hook", 'schema "pub lic" is not a plain identifier'],
    ["pg-functions://postgres/public/1hook", 'function "1hook" is not a plain identifier'],
    ["pg-functions://user:secret@postgres/public/hook", "must not carry credentials"],
    ["pg-functions://postgres:5432/public/hook", "must not name a port"],
    ["pg-functions://postgres/public/hook?secret=v1,whsec_abc", "must not carry a query or fragment"],
    ["https://example.com/hook", "needs signing secrets"],
    ["ftp://example.com/hook", "should be a pg-functions URI"],
    ["", "uri is required"],
  ])("uri %j -> %s", (uri, problem) => {
    const found = pgFunctionsUriProblem(uri);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it("refuses secrets with a pg-functions hook (the Supabase CLI's rule), an unknown hook and a non-boolean enabled", async () => {
    const result = await authHookProvider.check!(
      {} as AuthHookInputs,
      { ...inputs("abcdefghijklmnopqrst"), secrets: "v1,whsec_c2VjcmV0", hook: "send_sms", enabled: "yes" } as unknown as AuthHookInputs,
    );
    expect(result.failures?.map((failure) => failure.property).sort()).toEqual(["enabled", "hook", "secrets"]);
    expect(result.failures?.find((failure) => failure.property === "secrets")?.reason).toContain(
      "secrets is unsupported for pg-functions URI",
    );
  });
});

describe("AuthHook lifecycle", () => {
  it("PATCHes only hook_custom_access_token_enabled and _uri, and leaves every other auth setting alone", async () => {
    const project = ctx.fake.seedProject();
    const before = { ...project.auth };
    const { id, outs } = await authHookProvider.create(inputs(project.ref));
    expect(id).toBe(`${project.ref}/custom_access_token`);
    const patch = ctx.fake.requests.find((request) => request.method === "PATCH");
    expect(patch?.body).toEqual({ hook_custom_access_token_enabled: true, hook_custom_access_token_uri: CUSTOM_ACCESS_TOKEN_HOOK_URI });
    expect(project.auth).toEqual({
      ...before,
      hook_custom_access_token_enabled: true,
      hook_custom_access_token_uri: CUSTOM_ACCESS_TOKEN_HOOK_URI,
    });
    expect(outs).toEqual(inputs(project.ref));
    expect(serialized(outs)).not.toContain(ctx.fake.token);
  });

  it("reads quietly after create, updates the URI in place, and disables the hook on delete", async () => {
    const project = ctx.fake.seedProject();
    const declared = inputs(project.ref);
    const { id, outs } = await authHookProvider.create(declared);
    const read = await authHookProvider.read!(id, outs);
    expect(read).toEqual({ id, props: outs });
    expect(await authHookProvider.diff!(id, read.props as AuthHookOutputs, declared)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });

    const moved = inputs(project.ref, { uri: "pg-functions://postgres/auth_hooks/custom_access_token_hook" });
    expect(await authHookProvider.diff!(id, outs as AuthHookOutputs, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    await authHookProvider.update!(id, outs as AuthHookOutputs, moved);
    expect(project.auth.hook_custom_access_token_uri).toBe("pg-functions://postgres/auth_hooks/custom_access_token_hook");

    ctx.fake.requests.length = 0;
    await authHookProvider.delete!(id, { ...(outs as AuthHookOutputs), ...moved });
    expect(ctx.fake.requests.map((request) => request.body)).toEqual([{ hook_custom_access_token_enabled: false }]);
    expect(project.auth.hook_custom_access_token_enabled).toBe(false);
  });

  it("replaces when the project or the hook changes", async () => {
    const project = ctx.fake.seedProject();
    const { id, outs } = await authHookProvider.create(inputs(project.ref));
    expect((await authHookProvider.diff!(id, outs as AuthHookOutputs, inputs("abcdefghijklmnopqrst"))).replaces).toEqual(["projectRef"]);
  });

  it("delete of a project that is gone is done", async () => {
    const project = ctx.fake.seedProject();
    const { id, outs } = await authHookProvider.create(inputs(project.ref));
    ctx.fake.deleteProjectOutOfBand(project.ref);
    await authHookProvider.delete!(id, outs as AuthHookOutputs);
    expect(await authHookProvider.read!(id, outs)).toEqual({});
  });
});

describe("AuthHook drift", () => {
  it("a hook disabled in the dashboard is drift, and update enables it again", async () => {
    const project = ctx.fake.seedProject();
    const declared = inputs(project.ref);
    const { id, outs } = await authHookProvider.create(declared);
    ctx.fake.disableAuthHookOutOfBand(project.ref);
    const read = await authHookProvider.read!(id, outs);
    expect(read.props).toMatchObject({ enabled: false, uri: CUSTOM_ACCESS_TOKEN_HOOK_URI });
    expect(await authHookProvider.diff!(id, read.props as AuthHookOutputs, declared)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await authHookProvider.update!(id, read.props as AuthHookOutputs, declared);
    expect(project.auth.hook_custom_access_token_enabled).toBe(true);
  });

  it("a hook never configured reads as disabled with an empty URI", async () => {
    const project = ctx.fake.seedProject();
    const read = await authHookProvider.read!(`${project.ref}/custom_access_token`, inputs(project.ref));
    expect(read.props).toMatchObject({ enabled: false, uri: "" });
  });

  it("errors name the operation and never the token", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "PATCH", status: 429, retryAfterSeconds: 2, times: 10 });
    const error = await rejectionOf(authHookProvider.create(inputs(project.ref)));
    expect(error.message).toBe(
      `PATCH /v1/projects/{ref}/config/auth (project ${project.ref}) failed: 429 Too Many Requests: Rate limit exceeded (gave up after 5 attempts)`,
    );
    expect(ctx.clock.sleeps).toEqual([2000, 2000, 2000, 2000]);
    expect(error.message).not.toContain(ctx.fake.token);
  });
});
