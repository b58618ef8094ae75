// The Management API client: retries (what is retried, how long it waits, when it stops),
// request timeouts, and errors that name the operation, status and message but never the token.
// Delays are asserted as the values asked of an injected sleep, never by timing.
import * as net from "node:net";
import { isManagementApiError } from "../../infra/supabase/client";
import type { Credentials } from "../../infra/supabase/credentials";
import { createProject, getProject, renameProject } from "../../infra/supabase/managementApi";
import {
  MAX_ATTEMPTS,
  MAX_RETRY_DELAY_MS,
  parseRateLimitResetMs,
  parseRetryAfterMs,
  retryDelayMs,
} from "../../infra/supabase/retryPolicy";
import { installVirtualClock, rejectionOf, useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();

function credentials(): Credentials {
  return { token: ctx.fake.token, baseUrl: ctx.fake.url };
}

describe("retries", () => {
  it("honours Retry-After on a 429 GET, then succeeds", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "GET", template: "/v1/projects/{ref}", status: 429, retryAfterSeconds: 7, times: 2 });
    const live = await getProject(credentials(), project.ref);
    expect(live.ref).toBe(project.ref);
    expect(ctx.fake.requests.map((request) => request.status)).toEqual([429, 429, 200]);
    expect(ctx.clock.sleeps).toEqual([7000, 7000]);
  });

  it("falls back to X-RateLimit-Reset when a 429 has no Retry-After", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "GET", status: 429, rateLimitResetSeconds: 42 });
    await getProject(credentials(), project.ref);
    expect(ctx.clock.sleeps).toEqual([42_000]);
  });

  it("backs off exponentially with jitter on 5xx GETs", async () => {
    ctx.clock.restore();
    const randoms = [0, 0.999, 0.5];
    ctx.clock = installVirtualClock({ random: () => randoms.shift() ?? 0 });
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "GET", status: 503, times: 1 });
    ctx.fake.fault({ method: "GET", status: 500, times: 1 });
    ctx.fake.fault({ method: "GET", status: 502, times: 1 });
    await getProject(credentials(), project.ref);
    expect(ctx.fake.requests.map((request) => request.status)).toEqual([503, 500, 502, 200]);
    // Steps of 500, 1000, 2000 ms: half fixed, half scaled by the random draw.
    expect(ctx.clock.sleeps).toEqual([250, 1000, 1500]);
  });

  it("stops after MAX_ATTEMPTS with an error naming the operation, the status and the API's message", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "GET", status: 503, times: 100, message: "upstream is sad" });
    const error = await rejectionOf(getProject(credentials(), project.ref));
    expect(error.message).toBe(
      `GET /v1/projects/{ref} (project ${project.ref}) failed: 503 Service Unavailable: upstream is sad (gave up after ${MAX_ATTEMPTS} attempts)`,
    );
    expect(isManagementApiError(error, 503)).toBe(true);
    expect(ctx.fake.requests).toHaveLength(MAX_ATTEMPTS);
    expect(ctx.clock.sleeps).toHaveLength(MAX_ATTEMPTS - 1);
  });

  it("retries writes on 429 only: a 500 on PATCH fails at once", async () => {
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "PATCH", status: 429, retryAfterSeconds: 1 });
    await renameProject(credentials(), project.ref, "renamed");
    expect(ctx.fake.operations()).toEqual(["PATCH /v1/projects/{ref}", "PATCH /v1/projects/{ref}"]);
    expect(ctx.clock.sleeps).toEqual([1000]);

    ctx.fake.requests.length = 0;
    ctx.fake.fault({ method: "PATCH", status: 500, message: "Failed to update project" });
    const error = await rejectionOf(renameProject(credentials(), project.ref, "again"));
    expect(error.message).toBe(
      `PATCH /v1/projects/{ref} (project ${project.ref}) failed: 500 Internal Server Error: Failed to update project`,
    );
    expect(ctx.fake.requests).toHaveLength(1);
  });

  it("does not retry a POST that failed on 503: the project may exist", async () => {
    ctx.fake.fault({ method: "POST", status: 503 });
    const error = await rejectionOf(
      createProject(credentials(), {
        name: "x",
        organization_slug: "learning-app",
        db_pass: "pw",
        region_selection: { type: "specific", code: "eu-west-1" },
      }),
    );
    expect(error.message).toMatch(/^POST \/v1\/projects \(project "x" in organization learning-app\) failed: 503/);
    expect(ctx.fake.requests).toHaveLength(1);
  });

  it("does not retry a 404 or a 401", async () => {
    const missing = await rejectionOf(getProject(credentials(), "abcdefghijklmnopqrst"));
    expect(isManagementApiError(missing, 404)).toBe(true);
    const denied = await rejectionOf(getProject({ ...credentials(), token: "sbp_wrong_token" }, "abcdefghijklmnopqrst"));
    expect(denied.message).toBe("GET /v1/projects/{ref} (project abcdefghijklmnopqrst) failed: 401 Unauthorized: Unauthorized");
    expect(denied.message).not.toContain("sbp_wrong_token");
    expect(ctx.fake.requests).toHaveLength(2);
  });
});

describe("timeouts and network errors", () => {
  it("times out a stalled GET, retries it, and succeeds", async () => {
    ctx.clock.restore();
    ctx.clock = installVirtualClock({ requestTimeoutMs: 200 });
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "GET", stall: true });
    const live = await getProject(credentials(), project.ref);
    expect(live.ref).toBe(project.ref);
    expect(ctx.fake.requests.map((request) => request.status)).toEqual([-1, 200]);
  });

  it("fails a stalled write after its timeout, without retrying", async () => {
    ctx.clock.restore();
    ctx.clock = installVirtualClock({ requestTimeoutMs: 200 });
    const project = ctx.fake.seedProject();
    ctx.fake.fault({ method: "PATCH", stall: true });
    const error = await rejectionOf(renameProject(credentials(), project.ref, "renamed"));
    expect(error.message).toBe(
      `PATCH /v1/projects/{ref} (project ${project.ref}) failed: no complete response within 0.2 s (request timeout)`,
    );
    expect(ctx.fake.requests).toHaveLength(1);
  });

  it("names the unreachable host, never the token, after bounded retries", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const baseUrl = `http://127.0.0.1:${closedPort}`;
    const error = await rejectionOf(getProject({ token: ctx.fake.token, baseUrl }, "abcdefghijklmnopqrst"));
    expect(error.message).toBe(
      `GET /v1/projects/{ref} (project abcdefghijklmnopqrst) failed: could not reach ${baseUrl}: ECONNREFUSED (gave up after ${MAX_ATTEMPTS} attempts)`,
    );
    expect(error.message).not.toContain(ctx.fake.token);
    expect(ctx.clock.sleeps).toHaveLength(MAX_ATTEMPTS - 1);
  });
});

describe("retry policy", () => {
  const now = Date.parse("2026-01-28T10:00:00Z");

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfterMs("3", now)).toBe(3000);
    expect(parseRetryAfterMs("1.5", now)).toBe(1500);
    expect(parseRetryAfterMs("Wed, 28 Jan 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs("Wed, 28 Jan 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });

  it("reads X-RateLimit-Reset as seconds remaining, or as a Unix time when it is one", () => {
    expect(parseRateLimitResetMs("12", now)).toBe(12_000);
    expect(parseRateLimitResetMs(String(now / 1000 + 20), now)).toBe(20_000);
    expect(parseRateLimitResetMs("x", now)).toBeUndefined();
  });

  it("caps every wait, including the server's hint", () => {
    const headers = new Headers({ "Retry-After": "3600" });
    expect(retryDelayMs({ failedAttempts: 1, status: 429, headers, nowMs: now, random: 0 })).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs({ failedAttempts: 30, nowMs: now, random: 0.999 })).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
  });

  it("ignores X-RateLimit-Reset unless the status is 429", () => {
    const headers = new Headers({ "X-RateLimit-Reset": "50" });
    expect(retryDelayMs({ failedAttempts: 1, status: 503, headers, nowMs: now, random: 0 })).toBe(250);
  });
});
