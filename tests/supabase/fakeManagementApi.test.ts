// The fake Management API itself: it must catch requests and responses that break the spec
// (otherwise the provider tests could pass against an API that does not exist), and check
// the bearer token.
import { SpecValidator, toJsonSchema } from "../support/fakeManagementApi/specValidator";
import { FakeManagementApi, startFakeManagementApi } from "../support/fakeManagementApi";

let fake: FakeManagementApi;

beforeEach(async () => {
  fake = await startFakeManagementApi();
});

afterEach(async () => {
  await fake.close();
});

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${fake.token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
}

describe("fake Management API validation", () => {
  it("serves spec-conformant responses for a valid request", async () => {
    const response = await call("/v1/projects", {
      method: "POST",
      body: JSON.stringify({
        name: "ok",
        organization_slug: "learning-app",
        db_pass: "pw",
        region_selection: { type: "specific", code: "eu-west-1" },
      }),
    });
    expect(response.status).toBe(201);
    const { ref } = (await response.json()) as { ref: string };
    expect((await call(`/v1/projects/${ref}/config/auth`)).status).toBe(200);
    expect((await call(`/v1/projects/${ref}/postgrest`)).status).toBe(200);
    expect(fake.violations).toEqual([]);
    expect(() => fake.assertNoViolations()).not.toThrow();
  });

  it("catches a request body that breaks the spec, and the test using it fails", async () => {
    const response = await call("/v1/projects", {
      method: "POST",
      body: JSON.stringify({
        name: "bad",
        organization_slug: "learning-app",
        db_pass: "pw",
        region_selection: { type: "specific", code: "mars-north-1" },
        unexpected_field: true,
      }),
    });
    expect(response.status).toBe(400);
    expect(fake.violations.join("\n")).toMatch(/POST \/v1\/projects request body: .*must be equal to one of the allowed values/);
    expect(fake.violations.join("\n")).toMatch(/must NOT have additional properties/);
    expect(() => fake.assertNoViolations()).toThrow(/spec violation/);
    expect(fake.projects.size).toBe(0);
  });

  it("catches bad path and query parameters", async () => {
    await call("/v1/projects/NOT-A-REF");
    const project = fake.seedProject();
    await call(`/v1/projects/${project.ref}/health?services=db&services=nonsense`);
    await call(`/v1/projects/${project.ref}/health`);
    const text = fake.violations.join("\n");
    expect(text).toMatch(/GET \/v1\/projects\/\{ref\} parameter ref/);
    expect(text).toMatch(/parameter services: \/1 must be equal to one of the allowed values/);
    expect(text).toMatch(/parameter services: required query parameter missing/);
  });

  it("catches a response that breaks the spec", async () => {
    const project = fake.seedProject();
    fake.corruptNextResponse((body) => {
      const { status: _status, ...rest } = body as Record<string, unknown>;
      return { ...rest, database: { host: 42 } };
    });
    const response = await call(`/v1/projects/${project.ref}`);
    expect(response.status).toBe(200);
    const text = fake.violations.join("\n");
    expect(text).toMatch(/GET \/v1\/projects\/\{ref\} response 200: .*must have required property 'status'/);
    expect(text).toMatch(/\/database\/host must be string/);
    expect(() => fake.assertNoViolations()).toThrow(/spec violation/);
  });

  it("catches an error body without the API's message, and a path the spec does not have", async () => {
    const project = fake.seedProject();
    fake.corruptNextResponse(() => ({ oops: true }));
    fake.fault({ status: 503 });
    await call(`/v1/projects/${project.ref}`);
    expect(fake.violations.join("\n")).toMatch(/response 503 \(error body\): \(root\) must have required property 'message'/);
    fake.clearViolations();
    await call("/v1/not-an-endpoint");
    expect(fake.violations).toEqual(["GET /v1/not-an-endpoint: no such operation in the spec"]);
  });

  it("answers 401 without the right bearer token", async () => {
    const project = fake.seedProject();
    const response = await fetch(`${fake.url}/v1/projects/${project.ref}`, { headers: { Authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthorized" });
    expect(fake.requests[0]).toMatchObject({ authorized: false, status: 401 });
    expect(fake.violations).toEqual([]);
  });

  it("sends 429 with Retry-After and X-RateLimit-Reset when scripted", async () => {
    const project = fake.seedProject();
    fake.fault({ method: "GET", template: "/v1/projects/{ref}", status: 429, retryAfterSeconds: 7, rateLimitResetSeconds: 9 });
    const limited = await call(`/v1/projects/${project.ref}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("x-ratelimit-reset")).toBe("9");
    expect((await call(`/v1/projects/${project.ref}`)).status).toBe(200);
    expect(fake.violations).toEqual([]);
  });
});

describe("OpenAPI 3.0 to JSON Schema translation", () => {
  it("turns nullable into an explicit null alternative, for typed and untyped schemas", () => {
    expect(toJsonSchema({ type: "string", nullable: true })).toEqual({ type: ["string", "null"] });
    expect(toJsonSchema({ type: "string", enum: ["a"], nullable: true })).toEqual({ type: ["string", "null"], enum: ["a", null] });
    expect(toJsonSchema({ $ref: "#/components/schemas/X", nullable: true })).toEqual({
      anyOf: [{ $ref: "supabase-management-api#/components/schemas/X" }, { type: "null" }],
    });
  });

  it("turns boolean exclusive bounds into numeric ones and keeps property names", () => {
    expect(toJsonSchema({ type: "number", minimum: 0, exclusiveMinimum: true })).toEqual({ type: "number", exclusiveMinimum: 0 });
    expect(toJsonSchema({ type: "object", properties: { nullable: { type: "boolean" } } })).toEqual({
      type: "object",
      properties: { nullable: { type: "boolean" } },
    });
  });

  it("compiles every component schema of the spec", () => {
    const validator = new SpecValidator();
    const spec = require("../../infra/supabase/openapi.json") as { components: { schemas: Record<string, unknown> } };
    for (const name of Object.keys(spec.components.schemas)) {
      expect(() => validator.componentSchema(name)).not.toThrow();
    }
  });
});
