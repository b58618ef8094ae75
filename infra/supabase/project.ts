// A Supabase project (pulumi-nodejs:dynamic/supabase:Project), created through the Management
// API and waited for until it is ACTIVE_HEALTHY with its services healthy (db, pooler, auth,
// and rest unless the Data API is disabled), or adopted read-only by ref (target
// supabase-existing).
//
// Lifecycle (docs/supabase.md):
// - instanceSize is sent at creation only when the stack sets it (omitted: the plan's smallest).
// - A new instanceSize resizes through the compute add-on (PATCH billing/addons, as
//   terraform-provider-supabase does), then waits for ACTIVE_HEALTHY and healthy services.
// - A new dbPass is set through PATCH database/password before the stored connection changes,
//   and after every other step of the update (rename, resize, waits): when anything fails,
//   nothing is recorded and the database still has the old password, so the old URL works.
// - read re-reads the compute size and the pooler: a resize or a pooler move made out of band
//   is drift (instanceSize, connection), and diff sees a moved pooler too, so `up` updates it.
//
// Drift: read reports the live name, organization, region, size, status and pooler URL; a
// deleted project (404) reads as gone, so `pulumi preview --refresh` shows it must be created
// again (unlike terraform-provider-supabase, which drops it silently). A project that is not
// ACTIVE_HEALTHY (e.g. paused) is drift too, and the next update waits for it or says why not.
import type * as pulumi from "@pulumi/pulumi";
import { CheckFailure, dynamicResource, isUnknown } from "../toolkit";
import { configureFromStack, credentialFailures, recordedCredentials, resolveCredentials, type Credentials, type ManagementApiArgs } from "./credentials";
import { isManagementApiError } from "./client";
import {
  applyComputeAddon,
  createProject,
  deleteProject,
  getPoolerConfig,
  getPostgrestConfig,
  getProject,
  getServicesHealth,
  listProjectAddons,
  renameProject,
  updateDatabasePassword,
} from "./managementApi";
import { credentialChanged, definedOnly, initializationError, projectRefFailures } from "./providerSupport";
import { apiRuntime } from "./runtime";
import {
  COMPUTE_ADDON_PREFIX,
  DATA_API_SERVICE,
  INSTANCE_SIZES,
  ORGANIZATION_SLUG_PATTERN,
  PROJECT_NAME_MAX_LENGTH,
  REGIONS,
  REQUIRED_SERVICES,
  SMALLEST_INSTANCE_SIZE,
  TERMINAL_PROJECT_STATUSES,
  type ComputeAddonVariant,
  type InstanceSize,
  type PoolerConfig,
  type ProjectStatus,
  type ProjectWithDatabase,
  type Region,
  type ServiceName,
} from "./spec";

export const DEFAULT_PROVISIONING_TIMEOUT_MINUTES = 10;
const MAX_PROVISIONING_TIMEOUT_MINUTES = 24 * 60;
const FIRST_POLL_DELAY_MS = 1_000;
const MAX_POLL_DELAY_MS = 10_000;
/** Supavisor's session mode listens on 5432 of the pooler host (transaction mode on 6543). */
export const SESSION_POOLER_PORT = 5432;

/** What the provider receives: ProjectArgs resolved, secrets unwrapped. */
export interface ProjectInputs {
  name?: string;
  organizationSlug?: string;
  region?: string;
  instanceSize?: string;
  dbPass: string;
  accessToken?: string;
  /** Management API base URL (not the project's URL, which is the output `apiUrl`). */
  apiUrl?: string;
  provisioningTimeoutMinutes?: number;
  /** Adopt this existing project instead of creating one. */
  projectRef?: string;
}

export interface ProjectOutputs extends Omit<ProjectInputs, "apiUrl"> {
  ref: string;
  name: string;
  organizationSlug: string;
  region: string;
  /** https://<ref>.supabase.co */
  apiUrl: string;
  dbHost: string;
  /** Session-pooler URL with the password and sslmode=require. */
  connection?: string;
  status: ProjectStatus;
  /** The Management API base URL given as input `apiUrl`, if any. */
  managementApiUrl?: string;
}

// ---------------------------------------------------------------------------------- check

function nameFailures(name: unknown, required: boolean): CheckFailure[] {
  if (isUnknown(name) || (name === undefined && !required)) return [];
  if (typeof name !== "string" || name.trim() === "" || name.length > PROJECT_NAME_MAX_LENGTH) {
    return [{ property: "name", reason: `name must be 1 to ${PROJECT_NAME_MAX_LENGTH} characters, got ${JSON.stringify(name ?? null)}` }];
  }
  return [];
}

function organizationSlugFailures(slug: unknown, required: boolean): CheckFailure[] {
  if (isUnknown(slug) || (slug === undefined && !required)) return [];
  if (typeof slug !== "string" || slug === "") {
    return [
      {
        property: "organizationSlug",
        reason: "organizationSlug is empty: set it to the organization's slug, as in https://supabase.com/dashboard/org/<slug>",
      },
    ];
  }
  if (!ORGANIZATION_SLUG_PATTERN.test(slug)) {
    return [
      {
        property: "organizationSlug",
        reason: `organizationSlug "${slug}" is not an organization slug (letters, digits, _ and - only), as in https://supabase.com/dashboard/org/<slug>`,
      },
    ];
  }
  return [];
}

function enumFailures(property: string, value: unknown, allowed: readonly string[], required: boolean): CheckFailure[] {
  if (isUnknown(value) || (value === undefined && !required)) return [];
  if (typeof value !== "string" || !allowed.includes(value)) {
    return [
      {
        property,
        reason: `${property} ${JSON.stringify(value ?? null)} is not one the Management API accepts; use one of: ${allowed.join(", ")}`,
      },
    ];
  }
  return [];
}

function dbPassFailures(dbPass: unknown): CheckFailure[] {
  if (isUnknown(dbPass)) return [];
  if (typeof dbPass !== "string" || dbPass === "") {
    return [{ property: "dbPass", reason: "dbPass (the database password, secret) is required: pass a @pulumi/random RandomPassword's result" }];
  }
  return [];
}

function timeoutFailures(minutes: unknown): CheckFailure[] {
  if (minutes === undefined || isUnknown(minutes)) return [];
  if (typeof minutes !== "number" || !(minutes > 0) || minutes > MAX_PROVISIONING_TIMEOUT_MINUTES) {
    return [
      {
        property: "provisioningTimeoutMinutes",
        reason: `provisioningTimeoutMinutes must be a number of minutes above 0 and at most ${MAX_PROVISIONING_TIMEOUT_MINUTES}, got ${JSON.stringify(minutes)}`,
      },
    ];
  }
  return [];
}

async function checkProject(_olds: ProjectInputs, news: ProjectInputs): Promise<pulumi.dynamic.CheckResult<ProjectInputs>> {
  const adopting = news.projectRef !== undefined;
  const failures = [
    ...(adopting ? projectRefFailures(news.projectRef) : []),
    ...nameFailures(news.name, !adopting),
    ...organizationSlugFailures(news.organizationSlug, !adopting),
    ...enumFailures("region", news.region, REGIONS, !adopting),
    // Optional: omitted, the platform picks the plan's smallest (an explicit size can be refused on some plans).
    ...enumFailures("instanceSize", news.instanceSize, INSTANCE_SIZES, false),
    ...dbPassFailures(news.dbPass),
    ...timeoutFailures(news.provisioningTimeoutMinutes),
    ...credentialFailures({ accessToken: news.accessToken, apiUrl: news.apiUrl }),
  ];
  return { inputs: news, failures };
}

// ------------------------------------------------------------------------------- outputs

export function projectApiUrl(ref: string): string {
  return `https://${ref}.supabase.co`;
}

/** Session mode on the primary's pooler: user postgres.<ref>, port 5432, TLS required. */
export function sessionPoolerUrl(poolers: PoolerConfig[], ref: string, dbPass: string): string {
  const primary = poolers.find((pooler) => pooler.database_type === "PRIMARY");
  if (primary === undefined) {
    throw new Error(`GET /v1/projects/{ref}/config/database/pooler (project ${ref}) returned no PRIMARY pooler: cannot build the connection URL`);
  }
  const user = primary.db_user.endsWith(`.${ref}`) ? primary.db_user : `${primary.db_user}.${ref}`;
  const database = encodeURIComponent(primary.db_name);
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(dbPass)}@${primary.db_host}:${SESSION_POOLER_PORT}/${database}?sslmode=require`;
}

function withPassword(connection: string, dbPass: string): string {
  const url = new URL(connection);
  url.password = encodeURIComponent(dbPass);
  return url.toString();
}

/** The inputs as recorded in the outputs (apiUrl renamed: the output apiUrl is the project's). */
function recordedInputs(inputs: ProjectInputs): Omit<ProjectInputs, "apiUrl"> & { managementApiUrl?: string } {
  const { apiUrl, ...rest } = inputs;
  return { ...rest, managementApiUrl: apiUrl };
}

/** What the API says about the project, under the resource's property names. */
function liveProjectFields(project: ProjectWithDatabase) {
  return {
    ref: project.ref,
    name: project.name,
    organizationSlug: project.organization_slug,
    region: project.region,
    status: project.status,
    apiUrl: projectApiUrl(project.ref),
    dbHost: project.database.host,
  };
}

function projectOutputs(
  inputs: ProjectInputs,
  project: ProjectWithDatabase,
  live: { connection?: string; instanceSize?: string },
): ProjectOutputs {
  return definedOnly({ ...recordedInputs(inputs), ...liveProjectFields(project), ...live });
}

/** The compute size the add-ons say the project runs on; no compute add-on is the smallest (nano). */
async function liveInstanceSize(credentials: Credentials, ref: string): Promise<string> {
  const { selected_addons: selected } = await listProjectAddons(credentials, ref);
  const variant = selected.find((addon) => addon.type === "compute_instance")?.variant.id;
  return typeof variant === "string" && variant.startsWith(COMPUTE_ADDON_PREFIX)
    ? variant.slice(COMPUTE_ADDON_PREFIX.length)
    : SMALLEST_INSTANCE_SIZE;
}

/** The session-pooler URL as the API gives it now (a region can move a project to another pooler). */
export async function liveConnection(credentials: Credentials, ref: string, dbPass: string): Promise<string> {
  return sessionPoolerUrl(await getPoolerConfig(credentials, ref), ref, dbPass);
}

function credentialsOf(props: { accessToken?: string; managementApiUrl?: string }): Credentials {
  return recordedCredentials({ accessToken: props.accessToken, apiUrl: props.managementApiUrl });
}

// ------------------------------------------------------------------------------ waiting

interface Deadline {
  at: number;
  minutes: number;
}

function deadlineFor(inputs: ProjectInputs): Deadline {
  const minutes = inputs.provisioningTimeoutMinutes ?? DEFAULT_PROVISIONING_TIMEOUT_MINUTES;
  return { at: apiRuntime().now() + minutes * 60_000, minutes };
}

/** Sleeps the next poll interval (doubling up to 10 s); false when the deadline has passed. */
async function pollDelay(deadline: Deadline, interval: { ms: number }): Promise<boolean> {
  const runtime = apiRuntime();
  const remaining = deadline.at - runtime.now();
  if (remaining <= 0) return false;
  await runtime.sleep(Math.min(interval.ms, remaining));
  interval.ms = Math.min(interval.ms * 2, MAX_POLL_DELAY_MS);
  return true;
}

function isTerminal(status: ProjectStatus): boolean {
  return (TERMINAL_PROJECT_STATUSES as readonly string[]).includes(status);
}

async function waitUntilActive(credentials: Credentials, ref: string, deadline: Deadline): Promise<ProjectWithDatabase> {
  const interval = { ms: FIRST_POLL_DELAY_MS };
  for (;;) {
    const project = await getProject(credentials, ref);
    if (project.status === "ACTIVE_HEALTHY") return project;
    if (isTerminal(project.status)) {
      throw new Error(
        `project ${ref} is ${project.status}, a status it does not leave by itself: look at the project in the dashboard ` +
          `(https://supabase.com/dashboard/project/${ref}); restore or delete it, then run \`pulumi up\` again`,
      );
    }
    if (!(await pollDelay(deadline, interval))) {
      throw new Error(
        `project ${ref} is still ${project.status} after ${deadline.minutes} minutes (provisioningTimeoutMinutes): ` +
          "run `pulumi up` again to keep waiting, or raise provisioningTimeoutMinutes",
      );
    }
  }
}

/** The services the project has: the Data API's (rest) only while it is enabled (a non-empty db_schema). */
async function projectServices(credentials: Credentials, ref: string): Promise<ServiceName[]> {
  const { db_schema: dbSchema } = await getPostgrestConfig(credentials, ref);
  const dataApiEnabled = dbSchema.trim() !== "";
  return REQUIRED_SERVICES.filter((service) => dataApiEnabled || service !== DATA_API_SERVICE);
}

async function waitUntilServicesHealthy(credentials: Credentials, ref: string, deadline: Deadline): Promise<void> {
  const interval = { ms: FIRST_POLL_DELAY_MS };
  const services = await projectServices(credentials, ref);
  for (;;) {
    const health = await getServicesHealth(credentials, ref, services);
    const unhealthy = services.map((service) => ({ service, report: health.find((entry) => entry.name === service) }))
      .filter(({ report }) => report?.status !== "ACTIVE_HEALTHY")
      .map(({ service, report }) => `${service} ${report?.status ?? "not reported"}${report?.error ? ` (${report.error})` : ""}`);
    if (unhealthy.length === 0) return;
    if (!(await pollDelay(deadline, interval))) {
      throw new Error(
        `project ${ref} is ACTIVE_HEALTHY but not all its services are healthy after ${deadline.minutes} minutes: ` +
          `${unhealthy.join(", ")}; run \`pulumi up\` again to keep waiting`,
      );
    }
  }
}

/** Active, services healthy, connection URL built: what the rest of the stack needs. */
async function readyOutputs(credentials: Credentials, inputs: ProjectInputs, ref: string, deadline: Deadline): Promise<ProjectOutputs> {
  const project = await waitUntilActive(credentials, ref, deadline);
  await waitUntilServicesHealthy(credentials, ref, deadline);
  const connection = await liveConnection(credentials, ref, inputs.dbPass);
  return projectOutputs(inputs, project, { connection, instanceSize: await liveInstanceSize(credentials, ref) });
}

// ------------------------------------------------------------------------------ adoption

function adoptionMismatches(inputs: ProjectInputs, project: ProjectWithDatabase): string[] {
  const declared: [string, string | undefined, string][] = [
    ["name", inputs.name, project.name],
    ["organizationSlug", inputs.organizationSlug, project.organization_slug],
    ["region", inputs.region, project.region],
  ];
  return declared
    .filter(([, stack, live]) => stack !== undefined && stack !== live)
    .map(([property, stack, live]) => `${property} is "${stack}" in the stack but "${live}" in Supabase`);
}

/** Reads and validates an existing project; never changes it. */
async function adoptedOutputs(credentials: Credentials, inputs: ProjectInputs, ref: string): Promise<ProjectOutputs> {
  let project: ProjectWithDatabase;
  try {
    project = await getProject(credentials, ref);
  } catch (error) {
    if (!isManagementApiError(error, 404)) throw error;
    throw new Error(
      `cannot adopt project ${ref} (projectRef): it does not exist, or the access token's account cannot see it; ` +
        "check the ref (https://supabase.com/dashboard/project/<ref>) and the token",
    );
  }
  if (project.status !== "ACTIVE_HEALTHY") {
    throw new Error(
      `cannot adopt project ${ref}: it is ${project.status}, and only an ACTIVE_HEALTHY project can be adopted; ` +
        "restore it in the dashboard first (adopting never changes the project)",
    );
  }
  const mismatches = adoptionMismatches(inputs, project);
  if (mismatches.length > 0) {
    throw new Error(
      `project ${ref} does not match the stack: ${mismatches.join("; ")}. An adopted project is read-only: ` +
        "fix the stack's values, or leave them unset",
    );
  }
  await waitUntilServicesHealthy(credentials, ref, deadlineFor(inputs));
  const connection = await liveConnection(credentials, ref, inputs.dbPass);
  return projectOutputs(inputs, project, { connection, instanceSize: await liveInstanceSize(credentials, ref) });
}

// ------------------------------------------------------------------------ create .. delete

async function createNewProject(credentials: Credentials, inputs: ProjectInputs): Promise<pulumi.dynamic.CreateResult<ProjectOutputs>> {
  const deadline = deadlineFor(inputs);
  const { ref } = await createProject(credentials, {
    name: inputs.name as string,
    organization_slug: inputs.organizationSlug as string,
    db_pass: inputs.dbPass,
    region_selection: { type: "specific", code: inputs.region as Region },
    // Only when the stack sets it: the spec says to omit it for the smallest size.
    ...(inputs.instanceSize === undefined ? {} : { desired_instance_size: inputs.instanceSize as InstanceSize }),
  });
  try {
    return { id: ref, outs: await readyOutputs(credentials, inputs, ref, deadline) };
  } catch (error) {
    // The project exists: record it (without secrets) so that it is neither orphaned nor
    // created twice; the next `pulumi up` runs update, which waits again.
    const { dbPass: _dbPass, accessToken: _accessToken, ...recorded } = recordedInputs(inputs);
    throw initializationError(error, ref, { ...recorded, ref, apiUrl: projectApiUrl(ref) });
  }
}

async function create(inputs: ProjectInputs): Promise<pulumi.dynamic.CreateResult<ProjectOutputs>> {
  const credentials = resolveCredentials({ accessToken: inputs.accessToken, apiUrl: inputs.apiUrl });
  if (inputs.projectRef !== undefined) {
    return { id: inputs.projectRef, outs: await adoptedOutputs(credentials, inputs, inputs.projectRef) };
  }
  return createNewProject(credentials, inputs);
}

async function read(id: string, props?: ProjectOutputs): Promise<pulumi.dynamic.ReadResult<ProjectOutputs>> {
  const credentials = credentialsOf(props ?? {});
  let project: ProjectWithDatabase;
  try {
    project = await getProject(credentials, id);
  } catch (error) {
    if (isManagementApiError(error, 404)) return {};
    throw error;
  }
  const live: { connection?: string; instanceSize?: string } = {};
  // A paused or provisioning project keeps what was recorded: its add-ons and pooler are not settled.
  if (project.status === "ACTIVE_HEALTHY") {
    live.instanceSize = await liveInstanceSize(credentials, id);
    if (props?.connection !== undefined) live.connection = await liveConnection(credentials, id, props.dbPass);
  }
  return {
    id,
    props: definedOnly<ProjectOutputs>({ ...(props as ProjectOutputs), ...liveProjectFields(project), ...live }),
  };
}

/** Keys whose live value read reports; compared only when the stack declares them. */
const LIVE_KEYS = ["name", "organizationSlug", "region", "instanceSize"] as const;
/** Keys recorded from the inputs as given. */
const RECORDED_KEYS = ["dbPass", "provisioningTimeoutMinutes"] as const;

/**
 * True when the API now names another pooler host than the recorded connection (checked only
 * for an active project). Asked with the stack's current credentials: the recorded token may
 * be one that was rotated since.
 */
async function poolerMoved(credentials: Credentials, id: string, olds: ProjectOutputs): Promise<boolean> {
  if (olds.connection === undefined || olds.status !== "ACTIVE_HEALTHY") return false;
  const live = await liveConnection(credentials, id, olds.dbPass);
  return new URL(live).host !== new URL(olds.connection).host;
}

async function diff(id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.DiffResult> {
  const replaces: string[] = [];
  const adoptsOwnProject = olds.projectRef === undefined && news.projectRef === olds.ref;
  if (news.projectRef !== olds.projectRef && !adoptsOwnProject) replaces.push("projectRef");
  if (news.projectRef === undefined) {
    // A project cannot move to another region or organization.
    for (const key of ["organizationSlug", "region"] as const) {
      if (news[key] !== undefined && news[key] !== olds[key]) replaces.push(key);
    }
  }
  const changed =
    replaces.length > 0 ||
    adoptsOwnProject ||
    LIVE_KEYS.some((key) => news[key] !== undefined && news[key] !== olds[key]) ||
    RECORDED_KEYS.some((key) => news[key] !== olds[key]) ||
    credentialChanged(olds.accessToken, news.accessToken) ||
    credentialChanged(olds.managementApiUrl, news.apiUrl) ||
    olds.status !== "ACTIVE_HEALTHY" ||
    olds.connection === undefined ||
    (await poolerMoved(resolveCredentials({ accessToken: news.accessToken, apiUrl: news.apiUrl }), id, olds));
  return { changes: changed, replaces, deleteBeforeReplace: false };
}

function computeVariant(id: string, size: string): ComputeAddonVariant {
  if (size === SMALLEST_INSTANCE_SIZE) {
    throw new Error(
      `project ${id} cannot be resized to ${size} by the stack: ${size} is the Free plan's size, not a compute add-on; ` +
        "downgrade in the dashboard (Project Settings → Compute and Disk), or declare another instanceSize",
    );
  }
  return `${COMPUTE_ADDON_PREFIX}${size}` as ComputeAddonVariant;
}

/** Resizes through the compute add-on; readyOutputs then waits for ACTIVE_HEALTHY and healthy services. */
async function resize(credentials: Credentials, id: string, size: string): Promise<void> {
  await applyComputeAddon(credentials, id, computeVariant(id, size));
}

async function update(id: string, olds: ProjectOutputs, news: ProjectInputs): Promise<pulumi.dynamic.UpdateResult<ProjectOutputs>> {
  const credentials = resolveCredentials({ accessToken: news.accessToken, apiUrl: news.apiUrl });
  const adopted = news.projectRef !== undefined;
  const renamed = news.name !== undefined && news.name !== olds.name;
  if (adopted && renamed) {
    throw new Error(
      `project ${id} is adopted (projectRef), so this stack never renames it: it is named "${olds.name}" in Supabase, ` +
        `the stack says "${news.name}"; rename it in the dashboard or change the stack`,
    );
  }
  const resized = news.instanceSize !== undefined && news.instanceSize !== olds.instanceSize;
  if (adopted && resized) {
    throw new Error(
      `project ${id} is adopted (projectRef), so this stack never resizes it: it runs ${olds.instanceSize ?? "an unknown size"}, ` +
        `the stack says ${news.instanceSize}; resize it in the dashboard or change the stack`,
    );
  }
  // Adopted: the password is the project's own (config dbPassword), changed outside the stack.
  const passwordChanged = !adopted && news.dbPass !== olds.dbPass;
  // The password is changed last, after every other step has succeeded, and before the new URL
  // is recorded: whatever fails first leaves the database with the old password, still in state.
  const setPassword = async () => {
    if (passwordChanged) await updateDatabasePassword(credentials, id, news.dbPass);
  };
  const needsApi =
    renamed ||
    resized ||
    olds.status !== "ACTIVE_HEALTHY" ||
    olds.connection === undefined ||
    news.projectRef !== olds.projectRef ||
    (await poolerMoved(credentials, id, olds));
  if (!needsApi) {
    // Nothing else to ask the API: record the new inputs and the URL with the current password.
    await setPassword();
    const connection = news.dbPass !== olds.dbPass ? withPassword(olds.connection as string, news.dbPass) : olds.connection;
    return { outs: definedOnly({ ...olds, ...recordedInputs(news), connection, instanceSize: olds.instanceSize }) };
  }
  if (adopted) return { outs: await adoptedOutputs(credentials, news, id) };
  if (renamed) await renameProject(credentials, id, news.name as string);
  if (resized) await resize(credentials, id, news.instanceSize as string);
  const outs = await readyOutputs(credentials, news, id, deadlineFor(news));
  await setPassword();
  return { outs };
}

async function deleteProjectResource(id: string, props: ProjectOutputs): Promise<void> {
  if (props.projectRef !== undefined) return; // adopted: never deleted by this stack
  try {
    await deleteProject(credentialsOf(props), id);
  } catch (error) {
    if (!isManagementApiError(error, 404)) throw error;
  }
}

export const projectProvider: pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> = {
  configure: configureFromStack,
  check: checkProject,
  diff,
  create,
  read,
  update,
  delete: deleteProjectResource,
};

// ------------------------------------------------------------------------------ resource

interface ProjectCommonArgs extends ManagementApiArgs {
  /**
   * The database password (secret), e.g. a @pulumi/random RandomPassword's result.
   * @default none (required)
   */
  dbPass: pulumi.Input<string>;
  /**
   * How long create waits for ACTIVE_HEALTHY and healthy services, in minutes.
   * @default 10 (DEFAULT_PROVISIONING_TIMEOUT_MINUTES)
   */
  provisioningTimeoutMinutes?: pulumi.Input<number>;
}

/** Create a project (target supabase). */
export interface NewProjectArgs extends ProjectCommonArgs {
  /**
   * The project's display name.
   * @default none (required)
   */
  name: pulumi.Input<string>;
  /**
   * Slug of the organization that owns the project; a change replaces the project.
   * @default none (required)
   */
  organizationSlug: pulumi.Input<string>;
  /**
   * Region code, e.g. eu-central-1 (one of the spec's regions); a change replaces the project.
   * @default none (required)
   */
  region: pulumi.Input<string>;
  /**
   * Compute size. A change resizes through the compute add-on.
   * @default the plan's smallest, picked by the platform (not sent)
   */
  instanceSize?: pulumi.Input<string>;
  /**
   * Never set here: a projectRef makes the arguments AdoptedProjectArgs.
   * @default undefined
   */
  projectRef?: undefined;
}

/**
 * Adopt an existing project (target supabase-existing): create only reads and validates it
 * (it must exist and be ACTIVE_HEALTHY; name, organization and region, when given, must
 * match), update never changes it, delete leaves it alone.
 */
export interface AdoptedProjectArgs extends ProjectCommonArgs {
  /**
   * Reference id of the existing project (20 lowercase letters).
   * @default none (required)
   */
  projectRef: pulumi.Input<string>;
  /**
   * The project's name, checked against the live one when given.
   * @default not checked
   */
  name?: pulumi.Input<string>;
  /**
   * The owning organization's slug, checked against the live one when given.
   * @default not checked
   */
  organizationSlug?: pulumi.Input<string>;
  /**
   * The project's region, checked against the live one when given.
   * @default not checked
   */
  region?: pulumi.Input<string>;
  /**
   * The compute size the stack expects; an adopted project is never resized, so a size that
   * differs from the live one fails the update with a message saying so.
   * @default whatever the project runs
   */
  instanceSize?: pulumi.Input<string>;
}

export type ProjectArgs = NewProjectArgs | AdoptedProjectArgs;

/** pulumi-nodejs:dynamic/supabase:Project */
export const Project = dynamicResource<ProjectArgs, ProjectOutputs>(
  { provider: projectProvider, module: "supabase", type: "Project", file: __filename, secrets: ["connection", "dbPass", "accessToken"] },
  // Every output is listed, so the resource exposes it even when no input sets it.
  (args) => ({ ...PROJECT_OUTPUTS, ...args }),
);
export type Project = InstanceType<typeof Project>;

const PROJECT_OUTPUTS = Object.fromEntries(
  ["ref", "name", "organizationSlug", "region", "instanceSize", "status", "apiUrl", "dbHost", "connection"].map((key) => [key, undefined]),
);
