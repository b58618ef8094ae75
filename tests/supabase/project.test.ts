// Project provider against the spec-validating fake Management API: create (with slow
// provisioning, failures and a timeout), read and drift, update, replace, delete, adoption.
import { ACCESS_TOKEN_ENV } from "../../infra/supabase/credentials";
import { projectProvider, type ProjectInputs, type ProjectOutputs } from "../../infra/supabase/project";
import { REGIONS } from "../../infra/supabase/spec";
import { UNKNOWN } from "../../infra/toolkit";
import { rejectionOf, serialized, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();

const DB_PASS = "Str0ngRandomPassw0rdFromRandomPassword";

function newProjectInputs(overrides: Partial<ProjectInputs> = {}): ProjectInputs {
  return {
    name: "analytics-dev",
    organizationSlug: "learning-app",
    region: "eu-central-1",
    instanceSize: "micro",
    dbPass: DB_PASS,
    ...overrides,
  };
}

async function created(inputs = newProjectInputs()): Promise<{ id: string; outs: ProjectOutputs }> {
  const result = await projectProvider.create(inputs);
  return { id: result.id, outs: result.outs as ProjectOutputs };
}

describe("Project check", () => {
  it("accepts the contract props with the token from the environment", async () => {
    const result = await projectProvider.check!({} as ProjectInputs, newProjectInputs());
    expect(result.failures).toEqual([]);
  });

  it("rejects an unknown region, naming the allowed ones from the spec", async () => {
    const result = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ region: "mars-north-1" }));
    expect(result.failures).toEqual([
      expect.objectContaining({ property: "region", reason: expect.stringContaining('"mars-north-1"') }),
    ]);
    expect(result.failures?.[0].reason).toContain(REGIONS.join(", "));
  });

  it("rejects an empty organization slug and a malformed one", async () => {
    const empty = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ organizationSlug: "" }));
    expect(empty.failures).toEqual([expect.objectContaining({ property: "organizationSlug", reason: expect.stringContaining("empty") })]);
    const malformed = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ organizationSlug: "my org!" }));
    expect(malformed.failures?.map((failure) => failure.property)).toEqual(["organizationSlug"]);
  });

  it("rejects an unknown instance size, an empty or too long name, and a missing password", async () => {
    const result = await projectProvider.check!(
      {} as ProjectInputs,
      newProjectInputs({ instanceSize: "huge", name: "x".repeat(257), dbPass: "" }),
    );
    expect(result.failures?.map((failure) => failure.property).sort()).toEqual(["dbPass", "instanceSize", "name"]);
    const empty = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ name: "" }));
    expect(empty.failures?.map((failure) => failure.property)).toEqual(["name"]);
  });

  it("fails with a clear message when no token is configured anywhere", async () => {
    delete process.env[ACCESS_TOKEN_ENV];
    const result = await projectProvider.check!({} as ProjectInputs, newProjectInputs());
    expect(result.failures).toEqual([
      {
        property: "accessToken",
        reason: expect.stringMatching(/SUPABASE_ACCESS_TOKEN.*pulumi config set --secret supabase:accessToken/),
      },
    ]);
    const error = await rejectionOf(projectProvider.create(newProjectInputs()));
    expect(error.message).toMatch(/SUPABASE_ACCESS_TOKEN/);
    expect(ctx.fake.requests).toEqual([]);
  });

  it("accepts a token given as input instead of the environment", async () => {
    delete process.env[ACCESS_TOKEN_ENV];
    const result = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ accessToken: ctx.fake.token }));
    expect(result.failures).toEqual([]);
  });

  it("skips values that are unknown during preview (a RandomPassword not yet created)", async () => {
    const result = await projectProvider.check!({} as ProjectInputs, newProjectInputs({ dbPass: UNKNOWN }));
    expect(result.failures).toEqual([]);
  });

  it("requires the creation props unless projectRef adopts a project, and validates the ref", async () => {
    const missing = await projectProvider.check!({} as ProjectInputs, { dbPass: DB_PASS } as ProjectInputs);
    // instanceSize is optional: omitted, the platform picks the plan's smallest.
    expect(missing.failures?.map((failure) => failure.property).sort()).toEqual(["name", "organizationSlug", "region"]);
    const adopt = await projectProvider.check!({} as ProjectInputs, { dbPass: DB_PASS, projectRef: "abcdefghijklmnopqrst" });
    expect(adopt.failures).toEqual([]);
    const badRef = await projectProvider.check!({} as ProjectInputs, { dbPass: DB_PASS, projectRef: "ABC" });
    expect(badRef.failures?.map((failure) => failure.property)).toEqual(["projectRef"]);
  });
});

describe("Project lifecycle", () => {
  it("creates with region_selection and db_pass, waits for ACTIVE_HEALTHY and healthy services, builds the session-pooler URL", async () => {
    ctx.fake.provisionSlowly(5);
    const { id, outs } = await created();

    const post = ctx.fake.requests.find((request) => request.method === "POST");
    expect(post?.body).toEqual({
      name: "analytics-dev",
      organization_slug: "learning-app",
      db_pass: DB_PASS,
      region_selection: { type: "specific", code: "eu-central-1" },
      desired_instance_size: "micro",
    });
    // 5 COMING_UP answers, then ACTIVE_HEALTHY; the poll interval doubles up to 10 s.
    expect(ctx.fake.operations()).toEqual([
      "POST /v1/projects",
      ...Array(6).fill("GET /v1/projects/{ref}"),
      "GET /v1/projects/{ref}/postgrest",
      "GET /v1/projects/{ref}/health",
      "GET /v1/projects/{ref}/config/database/pooler",
      "GET /v1/projects/{ref}/billing/addons",
    ]);
    expect(ctx.clock.sleeps).toEqual([1000, 2000, 4000, 8000, 10000]);
    const health = ctx.fake.requests.find((request) => request.template === "/v1/projects/{ref}/health");
    expect(new URLSearchParams(health?.url.split("?")[1]).getAll("services")).toEqual(["db", "pooler", "auth", "rest"]);

    const project = ctx.fake.projects.get(id)!;
    expect(project.dbPass).toBe(DB_PASS);
    expect(outs).toMatchObject({
      ref: id,
      name: "analytics-dev",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      instanceSize: "micro",
      status: "ACTIVE_HEALTHY",
      apiUrl: `https://${id}.supabase.co`,
      dbHost: `db.${id}.supabase.co`,
      connection: `postgresql://postgres.${id}:${DB_PASS}@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`,
      dbPass: DB_PASS,
      
    });
    expect(serialized(outs)).not.toContain(ctx.fake.token);
  });

  it("escapes the password in the connection URL", async () => {
    const { id, outs } = await created(newProjectInputs({ dbPass: "p@ss:w/rd?#%" }));
    const url = new URL(outs.connection!);
    expect(decodeURIComponent(url.password)).toBe("p@ss:w/rd?#%");
    expect(decodeURIComponent(url.username)).toBe(`postgres.${id}`);
    expect(url.searchParams.get("sslmode")).toBe("require");
  });

  it("waits for services that are still coming up after the project is ACTIVE_HEALTHY", async () => {
    const existing = ctx.fake.seedProject();
    ctx.fake.serviceComesUpAfter(existing.ref, "pooler", 2);
    await projectProvider.create({ projectRef: existing.ref, dbPass: DB_PASS });
    expect(ctx.fake.operations().filter((op) => op.endsWith("/health"))).toHaveLength(3);
    expect(ctx.clock.sleeps).toEqual([1000, 2000]);
  });

  it("reports which services stay unhealthy when the wait runs out", async () => {
    const existing = ctx.fake.seedProject();
    ctx.fake.setServiceStatus(existing.ref, "auth", "UNHEALTHY");
    const error = await rejectionOf(projectProvider.create({ projectRef: existing.ref, dbPass: DB_PASS, provisioningTimeoutMinutes: 1 }));
    expect(error.message).toBe(
      `project ${existing.ref} is ACTIVE_HEALTHY but not all its services are healthy after 1 minutes: auth UNHEALTHY; run \`pulumi up\` again to keep waiting`,
    );
  });

  it("reads the live project; a fresh read changes nothing", async () => {
    const inputs = newProjectInputs();
    const { id, outs } = await created(inputs);
    const read = await projectProvider.read!(id, outs);
    expect(read.id).toBe(id);
    expect(read.props).toEqual(outs);
    const diff = await projectProvider.diff!(id, read.props as ProjectOutputs, inputs);
    expect(diff).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("renames in place with PATCH name only", async () => {
    const { id, outs } = await created();
    const renamed = newProjectInputs({ name: "analytics-dev-renamed" });
    expect(await projectProvider.diff!(id, outs, renamed)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    ctx.fake.requests.length = 0;
    const { outs: updated } = await projectProvider.update!(id, outs, renamed);
    expect(ctx.fake.requests[0]).toMatchObject({ method: "PATCH", template: "/v1/projects/{ref}", body: { name: "analytics-dev-renamed" } });
    expect(updated).toMatchObject({ name: "analytics-dev-renamed", ref: id, status: "ACTIVE_HEALTHY" });
    expect(ctx.fake.projects.get(id)?.name).toBe("analytics-dev-renamed");
  });

  it("replaces on a region or organization change, which the preview shows", async () => {
    const { id, outs } = await created();
    expect(await projectProvider.diff!(id, outs, newProjectInputs({ region: "us-east-1" }))).toEqual({
      changes: true,
      replaces: ["region"],
      deleteBeforeReplace: false,
    });
    expect((await projectProvider.diff!(id, outs, newProjectInputs({ organizationSlug: "other-org" }))).replaces).toEqual([
      "organizationSlug",
    ]);
  });

  it("ignores the providerVersion a state from before provider references recorded", async () => {
    const { id, outs } = await created();
    expect((await projectProvider.diff!(id, { ...outs, providerVersion: "9c1d2e3f4a5b6c7d" } as ProjectOutputs, newProjectInputs())).changes).toBe(false);
  });

  it("deletes, treats an already deleted project as done, and then reads as gone", async () => {
    const { id, outs } = await created();
    await projectProvider.delete!(id, outs);
    expect(ctx.fake.projects.has(id)).toBe(false);
    await projectProvider.delete!(id, outs);
    expect(ctx.fake.operations().filter((op) => op.startsWith("DELETE"))).toHaveLength(2);
    expect(await projectProvider.read!(id, outs)).toEqual({});
  });
});

describe("Project instance size", () => {
  it("omits desired_instance_size when the stack sets no size, and records the size the platform chose", async () => {
    const { instanceSize: _unset, ...inputs } = newProjectInputs();
    const { id, outs } = await created(inputs);
    const post = ctx.fake.requests.find((request) => request.method === "POST");
    expect(post?.body).not.toHaveProperty("desired_instance_size");
    expect(outs.instanceSize).toBe("micro");
    // Unset stays unset: the platform's choice is no drift.
    expect(await projectProvider.diff!(id, outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("creates in a Free organization, which refuses an explicit size, when the stack sets none", async () => {
    ctx.fake.addOrganization("free_org", "free");
    const { instanceSize: _unset, ...inputs } = newProjectInputs({ organizationSlug: "free_org" });
    const { outs } = await created(inputs);
    expect(outs).toMatchObject({ organizationSlug: "free_org", instanceSize: "nano", status: "ACTIVE_HEALTHY" });
    const refused = await rejectionOf(projectProvider.create(newProjectInputs({ organizationSlug: "free_org", instanceSize: "micro" })));
    expect(refused.message).toContain("400 Bad Request: desired_instance_size micro is not available on the Free plan");
  });

  it("resizes through the compute add-on, then waits for ACTIVE_HEALTHY and healthy services", async () => {
    const { id, outs } = await created();
    ctx.fake.resizeSlowly(3);
    ctx.fake.requests.length = 0;
    const news = newProjectInputs({ instanceSize: "small" });
    expect(await projectProvider.diff!(id, outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs: updated } = await projectProvider.update!(id, outs, news);
    const writes = ctx.fake.requests.filter((request) => request.method !== "GET");
    expect(writes).toEqual([
      expect.objectContaining({ method: "PATCH", template: "/v1/projects/{ref}/billing/addons", body: { addon_type: "compute_instance", addon_variant: "ci_small" } }),
    ]);
    const afterResize = ctx.fake.operations().slice(ctx.fake.operations().indexOf("PATCH /v1/projects/{ref}/billing/addons") + 1);
    // 3 RESIZING answers, then ACTIVE_HEALTHY; then the services.
    expect(afterResize.slice(0, 6)).toEqual([...Array(4).fill("GET /v1/projects/{ref}"), "GET /v1/projects/{ref}/postgrest", "GET /v1/projects/{ref}/health"]);
    expect(ctx.fake.projects.get(id)?.instanceSize).toBe("small");
    expect(updated).toMatchObject({ instanceSize: "small", status: "ACTIVE_HEALTHY" });
  });

  it("refuses to resize to nano (no compute add-on), saying where to do it", async () => {
    const { id, outs } = await created();
    const error = await rejectionOf(projectProvider.update!(id, outs, newProjectInputs({ instanceSize: "nano" })));
    expect(error.message).toContain("cannot be resized to nano by the stack");
    expect(ctx.fake.projects.get(id)?.instanceSize).toBe("micro");
  });

  it("reports a size changed out of band as drift, which the next update resizes back", async () => {
    const inputs = newProjectInputs();
    const { id, outs } = await created(inputs);
    ctx.fake.resizeOutOfBand(id, "large");
    const read = await projectProvider.read!(id, outs);
    expect(read.props?.instanceSize).toBe("large");
    expect((await projectProvider.diff!(id, read.props as ProjectOutputs, inputs)).changes).toBe(true);
    const { outs: updated } = await projectProvider.update!(id, read.props as ProjectOutputs, inputs);
    expect(updated?.instanceSize).toBe("micro");
    expect(ctx.fake.projects.get(id)?.instanceSize).toBe("micro");
  });
});

describe("Project database password", () => {
  it("sets a new password through the API before the stored connection changes", async () => {
    const { id, outs } = await created();
    ctx.fake.requests.length = 0;
    const news = newProjectInputs({ dbPass: "An0therPassword" });
    expect((await projectProvider.diff!(id, outs, news)).changes).toBe(true);
    const { outs: updated } = await projectProvider.update!(id, outs, news);
    expect(ctx.fake.requests.filter((request) => request.method !== "GET")).toEqual([
      expect.objectContaining({ method: "PATCH", template: "/v1/projects/{ref}/database/password", body: { password: "An0therPassword" } }),
    ]);
    expect(ctx.fake.projects.get(id)?.dbPass).toBe("An0therPassword");
    expect(updated).toMatchObject({ dbPass: "An0therPassword" });
    expect(updated?.connection).toBe(outs.connection!.replace(DB_PASS, "An0therPassword"));
  });

  it("when the API refuses the new password, fails and leaves the old password working", async () => {
    const { id, outs } = await created();
    ctx.fake.fault({ method: "PATCH", template: "/v1/projects/{ref}/database/password", status: 500, message: "Failed to update database password" });
    const error = await rejectionOf(projectProvider.update!(id, outs, newProjectInputs({ dbPass: "An0therPassword" })));
    expect(error.message).toContain("PATCH /v1/projects/{ref}/database/password");
    expect(error.message).not.toContain("An0therPassword");
    expect(ctx.fake.projects.get(id)?.dbPass).toBe(DB_PASS);
    expect(ctx.fake.projects.get(id)?.passwordChanges).toEqual([]);
  });
});

describe("Project password with other changes", () => {
  it("changes the password last: when the resize before it fails, the database keeps the old password", async () => {
    const { id, outs } = await created();
    ctx.fake.fault({ method: "PATCH", template: "/v1/projects/{ref}/billing/addons", status: 500, message: "Failed to apply project addon" });
    const error = await rejectionOf(projectProvider.update!(id, outs, newProjectInputs({ instanceSize: "small", dbPass: "An0therPassword" })));
    expect(error.message).toContain("PATCH /v1/projects/{ref}/billing/addons");
    expect(ctx.fake.projects.get(id)?.passwordChanges).toEqual([]);
  });

  it("resizes and changes the password in one update, the password after the project is healthy again", async () => {
    const { id, outs } = await created();
    ctx.fake.requests.length = 0;
    const { outs: updated } = await projectProvider.update!(id, outs, newProjectInputs({ instanceSize: "small", dbPass: "An0therPassword" }));
    const writes = ctx.fake.operations().filter((op) => op.startsWith("PATCH"));
    expect(writes).toEqual(["PATCH /v1/projects/{ref}/billing/addons", "PATCH /v1/projects/{ref}/database/password"]);
    expect(updated).toMatchObject({ instanceSize: "small", dbPass: "An0therPassword", connection: expect.stringContaining(":An0therPassword@") });
  });
});

describe("Project pooler", () => {
  it("re-reads the pooler: a moved pooler is drift in connection, and update records the new host", async () => {
    const inputs = newProjectInputs();
    const { id, outs } = await created(inputs);
    ctx.fake.movePooler(id);
    const moved = `postgresql://postgres.${id}:${DB_PASS}@aws-1-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`;
    const read = await projectProvider.read!(id, outs);
    expect(read.props?.connection).toBe(moved);
    // Without a refresh, diff sees the move too, and up updates the connection.
    expect(await projectProvider.diff!(id, outs, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs: updated } = await projectProvider.update!(id, outs, inputs);
    expect(updated?.connection).toBe(moved);
  });
});

describe("Project health wait", () => {
  it("waits only for the services the project has: no rest when the Data API is disabled", async () => {
    const existing = ctx.fake.seedProject();
    ctx.fake.disableDataApi(existing.ref);
    await projectProvider.create({ projectRef: existing.ref, dbPass: DB_PASS, provisioningTimeoutMinutes: 1 });
    const health = ctx.fake.requests.filter((request) => request.template === "/v1/projects/{ref}/health");
    expect(health).toHaveLength(1);
    expect(new URLSearchParams(health[0].url.split("?")[1]).getAll("services")).toEqual(["db", "pooler", "auth"]);
  });
});

describe("Project provisioning failures", () => {
  it("fails fast on INIT_FAILED and records the created project (init error with its id)", async () => {
    ctx.fake.failProvisioning();
    const error = (await rejectionOf(projectProvider.create(newProjectInputs()))) as Error & {
      id?: string;
      properties?: Record<string, unknown>;
    };
    const [ref] = [...ctx.fake.projects.keys()];
    expect(error.message).toContain(`project ${ref} is INIT_FAILED`);
    expect(error.id).toBe(ref);
    expect(error.properties).toMatchObject({ ref, name: "analytics-dev", apiUrl: `https://${ref}.supabase.co` });
    expect(error.properties).not.toHaveProperty("dbPass");
    expect(ctx.fake.operations().filter((op) => op === "GET /v1/projects/{ref}")).toHaveLength(1);
  });

  it("gives up after provisioningTimeoutMinutes with a clear error, having polled with backoff up to 10 s", async () => {
    ctx.fake.provisionSlowly(1_000_000);
    const error = (await rejectionOf(projectProvider.create(newProjectInputs({ provisioningTimeoutMinutes: 2 })))) as Error & {
      id?: string;
    };
    const [ref] = [...ctx.fake.projects.keys()];
    expect(error.message).toBe(
      `project ${ref} is still COMING_UP after 2 minutes (provisioningTimeoutMinutes): run \`pulumi up\` again to keep waiting, or raise provisioningTimeoutMinutes`,
    );
    expect(error.id).toBe(ref);
    expect(ctx.clock.sleeps.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
    expect(Math.max(...ctx.clock.sleeps)).toBe(10000);
    expect(ctx.clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(2 * 60_000);
  });

  it("after a timeout, the next up (update) keeps waiting and completes the outputs", async () => {
    ctx.fake.provisionSlowly(1_000_000);
    const error = (await rejectionOf(projectProvider.create(newProjectInputs({ provisioningTimeoutMinutes: 1 })))) as Error & {
      id: string;
      properties: ProjectOutputs;
    };
    const inputs = newProjectInputs();
    expect((await projectProvider.diff!(error.id, error.properties, inputs)).changes).toBe(true);
    ctx.fake.projects.get(error.id)!.comingUpPolls = 1;
    const { outs } = await projectProvider.update!(error.id, error.properties, inputs);
    expect(outs).toMatchObject({ ref: error.id, status: "ACTIVE_HEALTHY", connection: expect.stringContaining(DB_PASS) });
    expect(ctx.fake.operations().filter((op) => op === "POST /v1/projects")).toHaveLength(1);
  });

  it("reports an unknown organization with the API's message", async () => {
    const error = await rejectionOf(projectProvider.create(newProjectInputs({ organizationSlug: "nobody" })));
    expect(error.message).toBe(
      'POST /v1/projects (project "analytics-dev" in organization nobody) failed: 404 Not Found: organization nobody not found',
    );
  });
});

describe("Project drift", () => {
  it("a project deleted out of band reads as gone (no id), unlike terraform-provider-supabase", async () => {
    const { id, outs } = await created();
    ctx.fake.deleteProjectOutOfBand(id);
    const read = await projectProvider.read!(id, outs);
    expect(read.id).toBeUndefined();
  });

  it("a renamed or paused project is drift", async () => {
    const inputs = newProjectInputs();
    const { id, outs } = await created(inputs);
    ctx.fake.projects.get(id)!.name = "renamed-in-dashboard";
    ctx.fake.setProjectStatus(id, "INACTIVE");
    const read = await projectProvider.read!(id, outs);
    expect(read.props).toMatchObject({ name: "renamed-in-dashboard", status: "INACTIVE" });
    expect(await projectProvider.diff!(id, read.props as ProjectOutputs, inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    // The update renames it back, then says why it cannot wait for a paused project.
    const error = await rejectionOf(projectProvider.update!(id, read.props as ProjectOutputs, inputs));
    expect(error.message).toContain(`project ${id} is INACTIVE, a status it does not leave by itself`);
    expect(ctx.fake.projects.get(id)?.name).toBe("analytics-dev");
  });
});

describe("Project adoption (projectRef)", () => {
  it("reads and validates an existing project, never writes, and never deletes it", async () => {
    const existing = ctx.fake.seedProject({ name: "prod", region: "us-east-1" });
    const inputs: ProjectInputs = { projectRef: existing.ref, dbPass: DB_PASS };
    const { id, outs } = await created(inputs);
    expect(id).toBe(existing.ref);
    expect(outs).toMatchObject({
      ref: existing.ref,
      projectRef: existing.ref,
      name: "prod",
      region: "us-east-1",
      organizationSlug: "learning-app",
      connection: `postgresql://postgres.${existing.ref}:${DB_PASS}@aws-0-us-east-1.pooler.supabase.com:5432/postgres?sslmode=require`,
    });
    expect(await projectProvider.diff!(id, outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    await projectProvider.delete!(id, outs);
    expect(ctx.fake.projects.has(existing.ref)).toBe(true);
    expect(ctx.fake.requests.every((request) => request.method === "GET")).toBe(true);
  });

  it("refuses a project that does not exist, is not ACTIVE_HEALTHY, or does not match the stack", async () => {
    const missing = await rejectionOf(projectProvider.create({ projectRef: "abcdefghijklmnopqrst", dbPass: DB_PASS }));
    expect(missing.message).toMatch(/cannot adopt project abcdefghijklmnopqrst \(projectRef\): it does not exist/);

    const paused = ctx.fake.seedProject({ status: "INACTIVE" });
    const inactive = await rejectionOf(projectProvider.create({ projectRef: paused.ref, dbPass: DB_PASS }));
    expect(inactive.message).toMatch(/it is INACTIVE, and only an ACTIVE_HEALTHY project can be adopted/);

    const other = ctx.fake.seedProject({ region: "us-east-1" });
    const mismatch = await rejectionOf(projectProvider.create({ projectRef: other.ref, region: "eu-west-1", dbPass: DB_PASS }));
    expect(mismatch.message).toContain('region is "eu-west-1" in the stack but "us-east-1" in Supabase');
    expect(ctx.fake.requests.every((request) => request.method === "GET")).toBe(true);
  });

  it("never renames an adopted project", async () => {
    const existing = ctx.fake.seedProject({ name: "prod" });
    const inputs: ProjectInputs = { projectRef: existing.ref, dbPass: DB_PASS };
    const { id, outs } = await created(inputs);
    const error = await rejectionOf(projectProvider.update!(id, outs, { ...inputs, name: "new-name" }));
    expect(error.message).toMatch(/adopted \(projectRef\), so this stack never renames it/);
    expect(ctx.fake.projects.get(existing.ref)?.name).toBe("prod");
  });
});

describe("Project secrets", () => {
  it("never puts the token in outputs or errors, also when it is given as input", async () => {
    delete process.env[ACCESS_TOKEN_ENV];
    const token = ctx.fake.token;
    const { id, outs } = await created(newProjectInputs({ accessToken: token }));
    // Recorded only under accessToken (a secret output), nowhere else.
    const { accessToken, ...rest } = outs;
    expect(accessToken).toBe(token);
    expect(serialized(rest)).not.toContain(token);
    ctx.fake.fault({ method: "GET", status: 500, times: 10, message: `echoing ${token} back` });
    const error = await rejectionOf(projectProvider.read!(id, outs) as Promise<unknown>);
    expect(error.message).toContain("GET /v1/projects/{ref}");
    expect(error.message).not.toContain(token);
    expect(error.message).toContain("echoing *** back");
  });
});

describe("Project credentials after a token rotation", () => {
  /** What the dynamic-provider plugin gives configure: the stack config (pkg/resource/deploy/target.go). */
  const stackConfig = (values: Record<string, string>) => ({ config: { get: (key: string) => values[key], require: (key: string) => values[key] } });
  afterEach(async () => projectProvider.configure!(stackConfig({})));

  it("refresh and delete use the stack config's current token over the one recorded", async () => {
    const { id, outs } = await created(newProjectInputs({ accessToken: ctx.fake.token }));
    ctx.fake.rotateToken();
    // Recorded token revoked, nothing configured: the API refuses it.
    await expect(projectProvider.read!(id, outs)).rejects.toThrow(/401/);
    await projectProvider.configure!(stackConfig({ "supabase:accessToken": ctx.fake.token }));
    expect((await projectProvider.read!(id, outs)).props).toMatchObject({ ref: id, status: "ACTIVE_HEALTHY" });
    await projectProvider.delete!(id, outs);
    expect(ctx.fake.projects.has(id)).toBe(false);
  });
});
