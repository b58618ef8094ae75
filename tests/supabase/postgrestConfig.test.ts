// PostgrestConfig provider against the fake: it adds the declared schemas to db_schema,
// keeps every other entry, shows removals made in the dashboard as drift, and on delete
// removes only what it added.
import { postgrestConfigProvider, type PostgrestConfigInputs, type PostgrestConfigOutputs } from "../../infra/supabase/postgrestConfig";
import { ACCESS_TOKEN_ENV } from "../../infra/supabase/credentials";
import { UNKNOWN } from "../../infra/toolkit";
import { rejectionOf, serialized, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();

function inputs(projectRef: string, schemas = ["analytics"], overrides: Partial<PostgrestConfigInputs> = {}): PostgrestConfigInputs {
  return { projectRef, schemas, ...overrides };
}

describe("PostgrestConfig check", () => {
  it("accepts a list that includes analytics", async () => {
    const result = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs("abcdefghijklmnopqrst", ["public", "analytics"]));
    expect(result.failures).toEqual([]);
  });

  it("requires analytics, plain schema names and a valid project ref", async () => {
    const withoutAnalytics = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs("abcdefghijklmnopqrst", ["public"]));
    expect(withoutAnalytics.failures).toEqual([{ property: "schemas", reason: expect.stringContaining('must include "analytics"') }]);
    const bad = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs("short", ["analytics", "a,b"]));
    expect(bad.failures?.map((failure) => failure.property).sort()).toEqual(["projectRef", "schemas"]);
    const empty = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs("abcdefghijklmnopqrst", []));
    expect(empty.failures?.map((failure) => failure.property)).toEqual(["schemas"]);
  });

  it("fails without a token, naming both ways to give one", async () => {
    delete process.env[ACCESS_TOKEN_ENV];
    const result = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs("abcdefghijklmnopqrst"));
    expect(result.failures).toEqual([{ property: "accessToken", reason: expect.stringMatching(/SUPABASE_ACCESS_TOKEN.*supabase:accessToken/) }]);
  });

  it("accepts a project ref that is unknown during preview", async () => {
    const result = await postgrestConfigProvider.check!({} as PostgrestConfigInputs, inputs(UNKNOWN));
    expect(result.failures).toEqual([]);
  });
});

describe("PostgrestConfig lifecycle", () => {
  it("appends analytics to db_schema, keeping the existing entries and sending db_schema only", async () => {
    const project = ctx.fake.seedProject({ dbSchema: "public, graphql_public" });
    const { id, outs } = await postgrestConfigProvider.create(inputs(project.ref));
    expect(id).toBe(project.ref);
    expect(project.postgrest.db_schema).toBe("public,graphql_public,analytics");
    const patch = ctx.fake.requests.find((request) => request.method === "PATCH");
    expect(patch?.body).toEqual({ db_schema: "public,graphql_public,analytics" });
    expect(outs).toEqual({
      projectRef: project.ref,
      schemas: ["analytics"],
      
      addedSchemas: ["analytics"],
      exposedSchemas: ["public", "graphql_public", "analytics"],
    });
    expect(serialized(outs)).not.toContain(ctx.fake.token);
  });

  it("does not PATCH when the schemas are already exposed, and then owns none of them", async () => {
    const project = ctx.fake.seedProject({ dbSchema: "public,analytics" });
    const { outs } = await postgrestConfigProvider.create(inputs(project.ref));
    expect(ctx.fake.operations()).toEqual(["GET /v1/projects/{ref}/postgrest"]);
    expect(outs?.addedSchemas).toEqual([]);
    await postgrestConfigProvider.delete!(project.ref, outs as PostgrestConfigOutputs);
    expect(project.postgrest.db_schema).toBe("public,analytics");
  });

  it("reads quietly after create", async () => {
    const project = ctx.fake.seedProject();
    const declared = inputs(project.ref);
    const { outs } = await postgrestConfigProvider.create(declared);
    const read = await postgrestConfigProvider.read!(project.ref, outs);
    expect(read).toEqual({ id: project.ref, props: outs });
    expect(await postgrestConfigProvider.diff!(project.ref, read.props as PostgrestConfigOutputs, declared)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("adds a newly declared schema and removes one it added that is no longer declared", async () => {
    const project = ctx.fake.seedProject({ dbSchema: "public" });
    const { outs } = await postgrestConfigProvider.create(inputs(project.ref, ["analytics", "reporting"]));
    expect(project.postgrest.db_schema).toBe("public,analytics,reporting");
    const news = inputs(project.ref, ["analytics", "public"]);
    expect((await postgrestConfigProvider.diff!(project.ref, outs as PostgrestConfigOutputs, news)).changes).toBe(true);
    const { outs: updated } = await postgrestConfigProvider.update!(project.ref, outs as PostgrestConfigOutputs, news);
    expect(project.postgrest.db_schema).toBe("public,analytics");
    expect(updated).toMatchObject({ schemas: ["analytics", "public"], addedSchemas: ["analytics"] });
  });

  it("replaces when the project changes", async () => {
    const project = ctx.fake.seedProject();
    const { outs } = await postgrestConfigProvider.create(inputs(project.ref));
    expect((await postgrestConfigProvider.diff!(project.ref, outs as PostgrestConfigOutputs, inputs("abcdefghijklmnopqrst"))).replaces).toEqual([
      "projectRef",
    ]);
  });

  it("delete removes only what it added, keeping entries added out of band since", async () => {
    const project = ctx.fake.seedProject({ dbSchema: "public,graphql_public" });
    const { outs } = await postgrestConfigProvider.create(inputs(project.ref));
    ctx.fake.setDbSchemaOutOfBand(project.ref, "public,graphql_public,analytics,storage");
    await postgrestConfigProvider.delete!(project.ref, outs as PostgrestConfigOutputs);
    expect(project.postgrest.db_schema).toBe("public,graphql_public,storage");
  });

  it("delete of a project that is gone is done", async () => {
    const project = ctx.fake.seedProject();
    const { outs } = await postgrestConfigProvider.create(inputs(project.ref));
    ctx.fake.deleteProjectOutOfBand(project.ref);
    await postgrestConfigProvider.delete!(project.ref, outs as PostgrestConfigOutputs);
    expect(await postgrestConfigProvider.read!(project.ref, outs)).toEqual({});
  });
});

describe("PostgrestConfig drift", () => {
  it("analytics removed from db_schema in the dashboard is drift, and update restores it", async () => {
    const project = ctx.fake.seedProject();
    const declared = inputs(project.ref);
    const { outs } = await postgrestConfigProvider.create(declared);
    ctx.fake.setDbSchemaOutOfBand(project.ref, "public,graphql_public");
    const read = await postgrestConfigProvider.read!(project.ref, outs);
    expect(read.props).toMatchObject({ schemas: [], exposedSchemas: ["public", "graphql_public"] });
    expect((await postgrestConfigProvider.diff!(project.ref, read.props as PostgrestConfigOutputs, declared)).changes).toBe(true);
    const { outs: repaired } = await postgrestConfigProvider.update!(project.ref, read.props as PostgrestConfigOutputs, declared);
    expect(project.postgrest.db_schema).toBe("public,graphql_public,analytics");
    expect(repaired).toMatchObject({ schemas: ["analytics"], addedSchemas: ["analytics"] });
  });

  it("entries added in the dashboard are reported but are not drift", async () => {
    const project = ctx.fake.seedProject();
    const declared = inputs(project.ref);
    const { outs } = await postgrestConfigProvider.create(declared);
    ctx.fake.setDbSchemaOutOfBand(project.ref, "public,graphql_public,analytics,storage");
    const read = await postgrestConfigProvider.read!(project.ref, outs);
    expect(read.props?.exposedSchemas).toEqual(["public", "graphql_public", "analytics", "storage"]);
    expect((await postgrestConfigProvider.diff!(project.ref, read.props as PostgrestConfigOutputs, declared)).changes).toBe(false);
  });

  it("errors name the operation and never the token", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "PATCH", status: 500, message: "Failed to update project's postgrest config" });
    const error = await rejectionOf(postgrestConfigProvider.create(inputs(project.ref)));
    expect(error.message).toBe(
      `PATCH /v1/projects/{ref}/postgrest (project ${project.ref}) failed: 500 Internal Server Error: Failed to update project's postgrest config`,
    );
    expect(error.message).not.toContain(ctx.fake.token);
  });
});
