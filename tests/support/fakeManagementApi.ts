// A fake Supabase Management API for tests: a real HTTP server on 127.0.0.1 (port 0) with
// in-memory projects, serving the endpoints the infra/supabase providers use.
//
// It cannot drift from the spec: every request (path and query parameters, JSON body) and
// every response it sends is validated against infra/supabase/openapi.json with ajv, and each
// mismatch is recorded; tests call assertNoViolations() (in afterEach) so that any mismatch
// fails them. It checks the bearer token, and scripts the faults the providers must survive:
// 429 with Retry-After, 500/503, stalled responses, slow provisioning, INIT_FAILED, and
// out-of-band changes (project deleted, auth hook disabled, db_schema edited, Data API
// disabled, compute resized, pooler moved to another host).
//
// Lifecycle as the platform runs it: a project created without desired_instance_size gets the
// organization's smallest size (micro on a paid plan); a resize goes through the compute
// add-on (PATCH billing/addons) and the project is RESIZING for a few polls; PATCH
// database/password changes the password; and startPooler() puts a real TCP pooler in front
// of a PostgreSQL server that, like Supavisor after provisioning, refuses logins with
// "Tenant or user not found" for a while (fakeManagementApi/pooler.ts).
//
// Documented deviation: the spec lists no 404 (nor 400/408/502/503, nor 500 everywhere), yet
// the API answers them; the fake may send those with the API's {"message"} error body.
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { SessionPooler, SessionPoolerOptions } from "./fakeManagementApi/pooler";
import { sampleFromSchema } from "./fakeManagementApi/samples";
import { MatchedOperation, SpecValidator } from "./fakeManagementApi/specValidator";

type JsonObject = Record<string, unknown>;

export type ProjectStatus =
  | "INACTIVE"
  | "ACTIVE_HEALTHY"
  | "ACTIVE_UNHEALTHY"
  | "COMING_UP"
  | "UNKNOWN"
  | "GOING_DOWN"
  | "INIT_FAILED"
  | "REMOVED"
  | "RESTORING"
  | "UPGRADING"
  | "PAUSING"
  | "RESTORE_FAILED"
  | "RESTARTING"
  | "PAUSE_FAILED"
  | "RESIZING";

export type ServiceStatus = "COMING_UP" | "ACTIVE_HEALTHY" | "UNHEALTHY";

export interface FakeProject {
  ref: string;
  name: string;
  organizationSlug: string;
  region: string;
  status: ProjectStatus;
  createdAt: string;
  instanceSize?: string;
  /** The database password: given at creation, changed by PATCH database/password. */
  dbPass: string;
  /** Every password PATCH database/password set, in order. */
  passwordChanges: string[];
  /** Session pooler host (GET config/database/pooler); movePooler() changes it. */
  poolerHost: string;
  /** GET /v1/projects/{ref} answers RESIZING this many more times after a resize. */
  resizingPolls: number;
  /** GET /v1/projects/{ref} answers COMING_UP this many more times before settling. */
  comingUpPolls: number;
  /** Where provisioning ends: ACTIVE_HEALTHY, or e.g. INIT_FAILED. */
  settlesAs: ProjectStatus;
  /** Per service; services not listed are ACTIVE_HEALTHY once the project is. */
  serviceStatus: Partial<Record<string, ServiceStatus>>;
  /** Per service: this many more health checks answer COMING_UP (after the project is active). */
  serviceComingUpChecks: Partial<Record<string, number>>;
  postgrest: { db_schema: string; max_rows: number; db_extra_search_path: string; db_pool: number | null; jwt_secret: string };
  auth: JsonObject;
}

export interface RecordedRequest {
  method: string;
  /** Path as requested, query included. */
  url: string;
  /** Spec path template, e.g. /v1/projects/{ref}, when the path is in the spec. */
  template?: string;
  body?: unknown;
  status: number;
  authorized: boolean;
}

export interface Fault {
  method?: string;
  /** Spec path template to match, e.g. /v1/projects/{ref}; default any. */
  template?: string;
  status?: 429 | 500 | 502 | 503 | 408;
  /** Retry-After header, seconds. */
  retryAfterSeconds?: number;
  /** X-RateLimit-Reset header, seconds until the window resets. */
  rateLimitResetSeconds?: number;
  message?: string;
  /** Never answer: the client's request timeout has to end it. */
  stall?: boolean;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

export interface SeedProject {
  name?: string;
  organizationSlug?: string;
  region?: string;
  status?: ProjectStatus;
  dbSchema?: string;
}

export interface FakeManagementApi {
  url: string;
  /** The one token the API accepts (rotateToken replaces it). */
  token: string;
  /** A new token, as made in the dashboard, with the old one revoked; returns it. */
  rotateToken(): string;
  projects: Map<string, FakeProject>;
  requests: RecordedRequest[];
  violations: string[];
  /** Throws, listing them, when any request or response broke the spec. */
  assertNoViolations(): void;
  clearViolations(): void;
  /** Requests as "METHOD /template" (retries show up as repeats). */
  operations(): string[];
  seedProject(seed?: SeedProject): FakeProject;
  /** A paid organization by default; on the Free plan projects are nano, no explicit size or compute add-on is accepted. */
  addOrganization(slug: string, plan?: OrganizationPlan): void;
  fault(fault: Fault): void;
  /** The next project created answers COMING_UP for this many polls. */
  provisionSlowly(polls: number): void;
  /** The next resizes keep the project RESIZING for this many polls (default 2). */
  resizeSlowly(polls: number): void;
  /** The compute size changed in the dashboard. */
  resizeOutOfBand(ref: string, size: string): void;
  /** The platform moved the project to another pooler cluster of its region. */
  movePooler(ref: string): void;
  /** Data API disabled in the dashboard: empty db_schema, and the rest service never healthy. */
  disableDataApi(ref: string): void;
  /**
   * The session pooler of this fake's projects (tenant postgres.<ref>, the project's current
   * password) in front of a PostgreSQL server (the test cluster, as `databaseUrl`'s user), with
   * Supavisor's session-mode client limit; it can refuse the first logins as a just-provisioned
   * project's pooler does. Closed with the fake.
   */
  startPooler(databaseUrl: string, options?: Omit<SessionPoolerOptions, "databaseUrl" | "passwordFor">): Promise<SessionPooler>;
  /** The next project created ends provisioning as INIT_FAILED. */
  failProvisioning(): void;
  /** Per service health for a project (e.g. auth UNHEALTHY). */
  setServiceStatus(ref: string, service: string, status: ServiceStatus): void;
  /** The service answers COMING_UP for this many more health checks. */
  serviceComesUpAfter(ref: string, service: string, checks: number): void;
  setProjectStatus(ref: string, status: ProjectStatus): void;
  deleteProjectOutOfBand(ref: string): void;
  disableAuthHookOutOfBand(ref: string): void;
  setDbSchemaOutOfBand(ref: string, dbSchema: string): void;
  /** The next response body is passed through `mutate` before it is validated and sent. */
  corruptNextResponse(mutate: (body: unknown) => unknown): void;
  close(): Promise<void>;
}

export const DEFAULT_ORGANIZATION = "learning-app";
export type OrganizationPlan = "free" | "pro";
export const DEFAULT_DB_SCHEMA = "public,graphql_public";
export const FAKE_TOKEN_PREFIX = "sbp_fake_";

function randomRef(): string {
  const bytes = randomBytes(20);
  return Array.from(bytes, (byte) => String.fromCharCode(97 + (byte % 26))).join("");
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function notFound(what: string): HttpFailure {
  return new HttpFailure(404, `${what} not found`);
}

class Fake implements FakeManagementApi {
  url = "";
  token = Fake.newToken();

  private static newToken(): string {
    return `${FAKE_TOKEN_PREFIX}${randomBytes(20).toString("hex")}`;
  }

  rotateToken(): string {
    this.token = Fake.newToken();
    return this.token;
  }

  readonly projects = new Map<string, FakeProject>();
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  private readonly organizations = new Map<string, OrganizationPlan>([[DEFAULT_ORGANIZATION, "pro"]]);
  private readonly faults: Fault[] = [];
  private readonly stalled = new Set<http.ServerResponse>();
  private nextProvisioning: { comingUpPolls: number; settlesAs: ProjectStatus } = { comingUpPolls: 0, settlesAs: "ACTIVE_HEALTHY" };
  private resizePolls = 2;
  private readonly poolers: SessionPooler[] = [];
  private corruption?: (body: unknown) => unknown;
  private projectCounter = 0;
  readonly server: http.Server;

  constructor(private readonly validator: SpecValidator) {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.violations.push(`fake failed on ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  }

  // ------------------------------------------------------------------------ scripting

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(`the Management API fake saw ${this.violations.length} spec violation(s):\n- ${this.violations.join("\n- ")}`);
    }
  }

  clearViolations(): void {
    this.violations.length = 0;
  }

  operations(): string[] {
    return this.requests.map((request) => `${request.method} ${request.template ?? request.url}`);
  }

  addOrganization(slug: string, plan: OrganizationPlan = "pro"): void {
    this.organizations.set(slug, plan);
  }

  seedProject(seed: SeedProject = {}): FakeProject {
    const project = this.newProject({
      name: seed.name ?? `seeded-${++this.projectCounter}`,
      organizationSlug: seed.organizationSlug ?? DEFAULT_ORGANIZATION,
      region: seed.region ?? "eu-central-1",
      dbPass: "seeded-password",
    });
    project.status = seed.status ?? "ACTIVE_HEALTHY";
    project.comingUpPolls = 0;
    if (seed.dbSchema !== undefined) project.postgrest.db_schema = seed.dbSchema;
    return project;
  }

  fault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  provisionSlowly(polls: number): void {
    this.nextProvisioning = { ...this.nextProvisioning, comingUpPolls: polls };
  }

  resizeSlowly(polls: number): void {
    this.resizePolls = polls;
  }

  resizeOutOfBand(ref: string, size: string): void {
    this.project(ref).instanceSize = size;
  }

  movePooler(ref: string): void {
    const project = this.project(ref);
    const cluster = Number(/^aws-(\d+)-/.exec(project.poolerHost)?.[1] ?? 0) + 1;
    project.poolerHost = `aws-${cluster}-${project.region}.pooler.supabase.com`;
  }

  disableDataApi(ref: string): void {
    const project = this.project(ref);
    project.postgrest.db_schema = "";
    project.serviceStatus.rest = "UNHEALTHY";
  }

  async startPooler(databaseUrl: string, options: Omit<SessionPoolerOptions, "databaseUrl" | "passwordFor"> = {}): Promise<SessionPooler> {
    const pooler = await SessionPooler.start({ ...options, databaseUrl, passwordFor: (ref) => this.projects.get(ref)?.dbPass });
    this.poolers.push(pooler);
    return pooler;
  }

  failProvisioning(): void {
    this.nextProvisioning = { ...this.nextProvisioning, settlesAs: "INIT_FAILED" };
  }

  setServiceStatus(ref: string, service: string, status: ServiceStatus): void {
    this.project(ref).serviceStatus[service] = status;
  }

  serviceComesUpAfter(ref: string, service: string, checks: number): void {
    this.project(ref).serviceComingUpChecks[service] = checks;
  }

  setProjectStatus(ref: string, status: ProjectStatus): void {
    this.project(ref).status = status;
  }

  deleteProjectOutOfBand(ref: string): void {
    this.project(ref);
    this.projects.delete(ref);
  }

  disableAuthHookOutOfBand(ref: string): void {
    this.project(ref).auth.hook_custom_access_token_enabled = false;
  }

  setDbSchemaOutOfBand(ref: string, dbSchema: string): void {
    this.project(ref).postgrest.db_schema = dbSchema;
  }

  corruptNextResponse(mutate: (body: unknown) => unknown): void {
    this.corruption = mutate;
  }

  async close(): Promise<void> {
    for (const pooler of this.poolers) await pooler.stop();
    for (const response of this.stalled) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --------------------------------------------------------------------------- state

  private project(ref: string): FakeProject {
    const project = this.projects.get(ref);
    if (!project) throw notFound(`project ${ref}`);
    return project;
  }

  private newProject(fields: { name: string; organizationSlug: string; region: string; dbPass: string; instanceSize?: string }): FakeProject {
    let ref = randomRef();
    while (this.projects.has(ref)) ref = randomRef();
    const auth = sampleFromSchema(this.validator.componentSchema("AuthConfigResponse") as never, (target) =>
      this.validator.componentSchema(target),
    ) as JsonObject;
    Object.assign(auth, {
      site_url: "http://localhost:3000",
      jwt_exp: 3600,
      external_email_enabled: true,
      hook_custom_access_token_enabled: false,
      hook_custom_access_token_uri: null,
      hook_custom_access_token_secrets: null,
    });
    const project: FakeProject = {
      ref,
      ...fields,
      // Omitted: the organization's smallest size (nano on Free, micro on a paid plan).
      instanceSize: fields.instanceSize ?? (this.organizations.get(fields.organizationSlug) === "free" ? "nano" : "micro"),
      passwordChanges: [],
      poolerHost: `aws-0-${fields.region}.pooler.supabase.com`,
      resizingPolls: 0,
      status: "COMING_UP",
      createdAt: new Date().toISOString(),
      comingUpPolls: this.nextProvisioning.comingUpPolls,
      settlesAs: this.nextProvisioning.settlesAs,
      serviceStatus: {},
      serviceComingUpChecks: {},
      postgrest: { db_schema: DEFAULT_DB_SCHEMA, max_rows: 1000, db_extra_search_path: "public,extensions", db_pool: null, jwt_secret: "fake-jwt-secret" },
      auth,
    };
    this.nextProvisioning = { comingUpPolls: 0, settlesAs: "ACTIVE_HEALTHY" };
    this.projects.set(ref, project);
    return project;
  }

  /** Each GET of a provisioning (or resizing) project moves it one poll closer to where it settles. */
  private advanceProvisioning(project: FakeProject): void {
    if (project.status === "RESIZING") {
      if (project.resizingPolls > 0) project.resizingPolls -= 1;
      else project.status = "ACTIVE_HEALTHY";
      return;
    }
    if (project.status !== "COMING_UP") return;
    if (project.comingUpPolls > 0) {
      project.comingUpPolls -= 1;
      return;
    }
    project.status = project.settlesAs;
  }

  private projectBody(project: FakeProject): JsonObject {
    return {
      id: project.ref,
      ref: project.ref,
      organization_id: project.organizationSlug,
      organization_slug: project.organizationSlug,
      name: project.name,
      region: project.region,
      created_at: project.createdAt,
      status: project.status,
    };
  }

  private addons(project: FakeProject): JsonObject {
    const size = project.instanceSize ?? "micro";
    const compute =
      size === "nano"
        ? []
        : [
            {
              type: "compute_instance",
              variant: {
                id: `ci_${size}`,
                name: size.charAt(0).toUpperCase() + size.slice(1),
                price: { description: "$0.01344/hour", type: "usage", interval: "hourly", amount: 0.01344 },
              },
            },
          ];
    return { selected_addons: compute, available_addons: [] };
  }

  private applyAddon(project: FakeProject, body: JsonObject | undefined): { status: number; body: unknown } {
    const variant = String(body?.addon_variant);
    if (body?.addon_type !== "compute_instance" || !variant.startsWith("ci_")) {
      throw new HttpFailure(400, `this fake applies compute_instance add-ons only, got ${String(body?.addon_type)} ${variant}`);
    }
    if (project.status !== "ACTIVE_HEALTHY") throw new HttpFailure(400, `project is ${project.status}: cannot resize now`);
    if (this.organizations.get(project.organizationSlug) === "free") {
      throw new HttpFailure(400, "compute add-ons are not available on the Free plan");
    }
    project.instanceSize = variant.slice("ci_".length);
    project.status = "RESIZING";
    project.resizingPolls = this.resizePolls;
    return { status: 200, body: undefined };
  }

  // -------------------------------------------------------------------------- routes

  private route(matched: MatchedOperation, query: URLSearchParams, body: JsonObject | undefined): { status: number; body: unknown } {
    const ref = matched.pathParams.ref;
    switch (`${matched.spec.method} ${matched.spec.template}`) {
      case "POST /v1/projects":
        return this.createProject(body ?? {});
      case "GET /v1/projects/{ref}": {
        const project = this.project(ref);
        this.advanceProvisioning(project);
        return {
          status: 200,
          body: {
            ...this.projectBody(project),
            database: { host: `db.${project.ref}.supabase.co`, version: "15.8.1.085", postgres_engine: "15", release_channel: "ga" },
          },
        };
      }
      case "PATCH /v1/projects/{ref}": {
        const project = this.project(ref);
        project.name = String(body?.name);
        return { status: 200, body: { id: this.refNumber(project), ref: project.ref, name: project.name } };
      }
      case "DELETE /v1/projects/{ref}": {
        const project = this.project(ref);
        this.projects.delete(ref);
        return { status: 200, body: { id: this.refNumber(project), ref: project.ref, name: project.name } };
      }
      case "GET /v1/projects/{ref}/health":
        return { status: 200, body: this.health(this.project(ref), query.getAll("services")) };
      case "GET /v1/projects/{ref}/config/database/pooler": {
        const project = this.project(ref);
        const host = project.poolerHost;
        const template = `postgresql://postgres.${project.ref}:[YOUR-PASSWORD]@${host}:6543/postgres`;
        return {
          status: 200,
          body: [
            {
              identifier: project.ref,
              database_type: "PRIMARY",
              is_using_scram_auth: true,
              db_user: "postgres",
              db_host: host,
              db_port: 6543,
              db_name: "postgres",
              connection_string: template,
              connectionString: template,
              default_pool_size: 15,
              max_client_conn: 200,
              pool_mode: "transaction",
            },
          ],
        };
      }
      case "GET /v1/projects/{ref}/billing/addons":
        return { status: 200, body: this.addons(this.project(ref)) };
      case "PATCH /v1/projects/{ref}/billing/addons":
        return this.applyAddon(this.project(ref), body);
      case "PATCH /v1/projects/{ref}/database/password": {
        const project = this.project(ref);
        project.dbPass = String(body?.password);
        project.passwordChanges.push(project.dbPass);
        return { status: 200, body: { message: "Password updated" } };
      }
      case "GET /v1/projects/{ref}/postgrest":
        return { status: 200, body: { ...this.project(ref).postgrest } };
      case "PATCH /v1/projects/{ref}/postgrest": {
        const postgrest = this.project(ref).postgrest;
        for (const key of ["db_schema", "max_rows", "db_extra_search_path", "db_pool"] as const) {
          if (body && key in body) (postgrest as JsonObject)[key] = body[key];
        }
        const { jwt_secret: _secret, ...visible } = postgrest;
        return { status: 200, body: visible };
      }
      case "GET /v1/projects/{ref}/config/auth":
        return { status: 200, body: { ...this.project(ref).auth } };
      case "PATCH /v1/projects/{ref}/config/auth": {
        const auth = this.project(ref).auth;
        for (const [key, value] of Object.entries(body ?? {})) {
          if (key in auth) auth[key] = value;
        }
        return { status: 200, body: { ...auth } };
      }
      default:
        throw new HttpFailure(501, `${matched.spec.method} ${matched.spec.template} is in the spec but not implemented by the fake`);
    }
  }

  private refNumber(project: FakeProject): number {
    return [...this.projects.keys()].indexOf(project.ref) + 1;
  }

  private createProject(body: JsonObject): { status: number; body: unknown } {
    if (body.region !== undefined && body.region_selection !== undefined) {
      throw new HttpFailure(400, "Only one of region or region_selection can be specified");
    }
    const slug = String(body.organization_slug);
    const plan = this.organizations.get(slug);
    if (plan === undefined) throw notFound(`organization ${slug}`);
    const size = body.desired_instance_size;
    if (plan === "free" && size !== undefined && size !== "nano") {
      throw new HttpFailure(400, `desired_instance_size ${String(size)} is not available on the Free plan`);
    }
    const selection = body.region_selection as { code?: string } | undefined;
    const project = this.newProject({
      name: String(body.name),
      organizationSlug: slug,
      region: selection?.code ?? String(body.region ?? "us-east-1"),
      dbPass: String(body.db_pass),
      instanceSize: body.desired_instance_size as string | undefined,
    });
    return { status: 201, body: this.projectBody(project) };
  }

  private health(project: FakeProject, services: string[]): JsonObject[] {
    return services.map((name) => {
      const pendingChecks = project.serviceComingUpChecks[name] ?? 0;
      if (project.status === "ACTIVE_HEALTHY" && pendingChecks > 0) project.serviceComingUpChecks[name] = pendingChecks - 1;
      const status: ServiceStatus =
        project.status !== "ACTIVE_HEALTHY" || pendingChecks > 0 ? "COMING_UP" : (project.serviceStatus[name] ?? "ACTIVE_HEALTHY");
      return { name, healthy: status === "ACTIVE_HEALTHY", status };
    });
  }

  // ------------------------------------------------------------------------ plumbing

  private takeFault(matched: MatchedOperation | undefined, method: string): Fault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method === method) &&
        (fault.template === undefined || fault.template === matched?.spec.template),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async readBody(request: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  private send(
    response: http.ServerResponse,
    record: RecordedRequest,
    matched: MatchedOperation | undefined,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    let sent = body;
    if (this.corruption) {
      sent = this.corruption(sent);
      this.corruption = undefined;
    }
    if (matched) this.violations.push(...this.validator.validateResponse(matched, status, sent));
    record.status = status;
    const text = sent === undefined ? "" : JSON.stringify(sent);
    response.writeHead(status, {
      ...(text === "" ? {} : { "Content-Type": "application/json" }),
      "X-RateLimit-Limit": "120",
      ...headers,
    });
    response.end(text);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://fake");
    const matched = this.validator.findOperation(method, url.pathname);
    const raw = await this.readBody(request);
    const authorized = request.headers.authorization === `Bearer ${this.token}`;
    const record: RecordedRequest = { method, url: `${url.pathname}${url.search}`, template: matched?.spec.template, status: 0, authorized };
    this.requests.push(record);

    let body: JsonObject | undefined;
    if (raw !== "") {
      try {
        body = JSON.parse(raw) as JsonObject;
        record.body = body;
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        this.violations.push(`${method} ${url.pathname}: request body is not JSON`);
        return this.send(response, record, matched, 400, { message: "Invalid JSON body" });
      }
      if (!String(request.headers["content-type"]).startsWith("application/json")) {
        this.violations.push(`${method} ${url.pathname}: JSON body sent without Content-Type: application/json`);
      }
    }
    if (!matched) {
      this.violations.push(`${method} ${url.pathname}: no such operation in the spec`);
      return this.send(response, record, undefined, 404, { message: "Not found" });
    }
    if (!authorized) return this.send(response, record, matched, 401, { message: "Unauthorized" });
    const requestViolations = this.validator.validateRequest(matched, url.searchParams, body);
    if (requestViolations.length > 0) {
      this.violations.push(...requestViolations);
      return this.send(response, record, matched, 400, { message: requestViolations.join("; ") });
    }
    const fault = this.takeFault(matched, method);
    if (fault?.stall) {
      record.status = -1;
      this.stalled.add(response);
      return;
    }
    if (fault) {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers["Retry-After"] = String(fault.retryAfterSeconds);
      if (fault.rateLimitResetSeconds !== undefined) headers["X-RateLimit-Reset"] = String(fault.rateLimitResetSeconds);
      const status = fault.status ?? 429;
      return this.send(response, record, matched, status, { message: fault.message ?? (status === 429 ? "Rate limit exceeded" : "Internal error") }, headers);
    }
    try {
      const result = this.route(matched, url.searchParams, body);
      return this.send(response, record, matched, result.status, result.body);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.status === 501) this.violations.push(error.message);
      return this.send(response, record, error.status === 501 ? undefined : matched, error.status, { message: error.message });
    }
  }
}

/** Starts a fake on 127.0.0.1 with a random port. Close it in afterAll/afterEach. */
export async function startFakeManagementApi(): Promise<FakeManagementApi> {
  const fake = new Fake(new SpecValidator());
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}
