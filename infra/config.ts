// Stack configuration: read once, validated with zod into one typed object.
//
// Bad config stops the program before any resource is registered, with one line per problem
// naming the key and the fix. Reading (pulumi.Config, secret flags) is kept apart from
// validation (parseStackConfig) so the validation is a pure function the tests call directly.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { REFRESH_JOB } from "./adminSurface";
import { cronScheduleProblem } from "./postgres";
import { DEFAULT_PROVISIONING_TIMEOUT_MINUTES, ORGANIZATION_SLUG_PATTERN } from "./supabase";

export const PROJECT = "supabase-analytics";
export const DEFAULT_MIGRATIONS_DIR = "sql/migrations";

/** Every key the program reads (in namespace supabase-analytics), as declared in Pulumi.yaml. */
export const CONFIG_KEYS = [
  "target",
  "databaseUrl",
  "organizationSlug",
  "region",
  "instanceSize",
  "projectName",
  "projectRef",
  "dbPassword",
  "provisioningTimeoutMinutes",
  "refreshSchedule",
  "allowOutOfOrder",
  "protectProject",
  "retainDatabaseObjects",
  "migrationsDir",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Keys that must be set with `pulumi config set --secret`. */
export const SECRET_CONFIG_KEYS: readonly ConfigKey[] = ["databaseUrl", "dbPassword"];

/** Provider configuration in namespace `supabase` (shared with the Supabase CLI's vocabulary). */
export const SUPABASE_CONFIG_KEYS = ["accessToken", "apiUrl"] as const;

export interface ConfigValue {
  value: string;
  secret: boolean;
}
export type RawConfig = Partial<Record<ConfigKey | `supabase:${(typeof SUPABASE_CONFIG_KEYS)[number]}`, ConfigValue>>;

const TARGETS = ["supabase", "supabase-existing", "postgres"] as const;
export type Target = (typeof TARGETS)[number];

interface CommonConfig {
  stack: string;
  refreshSchedule: string;
  allowOutOfOrder: boolean;
  protectProject: boolean;
  retainDatabaseObjects: boolean;
  /** Folder of the migrations, relative to the project root. */
  migrationsDir: string;
}

export interface SupabaseApiConfig {
  /** Secret; when absent the providers read SUPABASE_ACCESS_TOKEN at call time. */
  accessToken?: string;
  /** When absent the providers read SUPABASE_API_URL at call time, else https://api.supabase.com. */
  apiUrl?: string;
}

export interface SupabaseTargetConfig extends CommonConfig {
  target: "supabase";
  organizationSlug: string;
  region: string;
  /** Compute size; unset means the platform's smallest for the organization's plan (nothing is sent). */
  instanceSize?: string;
  projectName: string;
  provisioningTimeoutMinutes: number;
  supabase: SupabaseApiConfig;
}

export interface SupabaseExistingTargetConfig extends CommonConfig {
  target: "supabase-existing";
  projectRef: string;
  dbPassword: string;
  supabase: SupabaseApiConfig;
}

export interface PostgresTargetConfig extends CommonConfig {
  target: "postgres";
  databaseUrl: string;
}

export type StackConfig = SupabaseTargetConfig | SupabaseExistingTargetConfig | PostgresTargetConfig;

/** A RunError, so `pulumi up` prints the problems without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const key = (name: ConfigKey) => `${PROJECT}:${name}`;
const setCommand = (name: ConfigKey, example: string) =>
  `pulumi config set${SECRET_CONFIG_KEYS.includes(name) ? " --secret" : ""} ${name} ${example}`;

const booleanString = z.enum(["true", "false"]).transform((value) => value === "true");
/** `auto` (the Pulumi.yaml default) means: true on stacks whose name starts with prod. */
const autoBoolean = (production: boolean) =>
  z.enum(["true", "false", "auto"]).transform((value) => (value === "auto" ? production : value === "true"));

function value(raw: RawConfig, name: ConfigKey): string | undefined {
  return raw[name]?.value;
}

/** Collects problems instead of stopping at the first, so one run shows everything to fix. */
class Problems {
  readonly list: string[] = [];
  add(name: ConfigKey | string, message: string): void {
    this.list.push(`${name.includes(":") ? name : key(name as ConfigKey)}: ${message}`);
  }
}

function required(raw: RawConfig, name: ConfigKey, target: Target, example: string, problems: Problems): string {
  const found = value(raw, name)?.trim();
  if (!found) problems.add(name, `required for target ${target}; set it with \`${setCommand(name, example)}\``);
  return found ?? "";
}

function requireSecret(raw: RawConfig, name: ConfigKey, problems: Problems): void {
  const entry = raw[name];
  // An empty value is the Pulumi.yaml default, not a leaked secret.
  if (entry?.value && !entry.secret) {
    problems.add(
      name,
      `must be a secret (it holds a password); run \`pulumi config rm ${name}\` and set it again with \`${setCommand(name, "<value>")}\``,
    );
  }
}

function parseWith<T>(schema: z.ZodType<T>, raw: RawConfig, name: ConfigKey, fallback: T, hint: string, problems: Problems): T {
  const found = value(raw, name);
  if (found === undefined || found === "") return fallback;
  const result = schema.safeParse(found.trim());
  if (result.success) return result.data;
  problems.add(name, `${JSON.stringify(found)} is not valid: ${hint}`);
  return fallback;
}

function parseDatabaseUrl(raw: RawConfig, problems: Problems): string {
  const url = required(raw, "databaseUrl", "postgres", "postgresql://user:password@host:5432/postgres", problems);
  requireSecret(raw, "databaseUrl", problems);
  if (!url) return url;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  // Never echo the value: it holds a password.
  if (!parsed || !["postgres:", "postgresql:"].includes(parsed.protocol)) {
    problems.add("databaseUrl", "must be a postgresql:// URL (postgresql://user:password@host:port/database)");
  }
  return url;
}

function parseCommon(raw: RawConfig, stack: string, problems: Problems): CommonConfig {
  const production = stack.startsWith("prod");
  const refreshSchedule = value(raw, "refreshSchedule")?.trim() || REFRESH_JOB.defaultSchedule;
  const scheduleError = cronScheduleProblem(refreshSchedule);
  if (scheduleError) {
    problems.add("refreshSchedule", `${JSON.stringify(refreshSchedule)} is not a pg_cron schedule: ${scheduleError}`);
  }
  const autoHint = "use true, false or auto (true on stacks whose name starts with prod)";
  return {
    stack,
    refreshSchedule,
    allowOutOfOrder: parseWith(booleanString, raw, "allowOutOfOrder", false, "use true or false", problems),
    protectProject: parseWith(autoBoolean(production), raw, "protectProject", production, autoHint, problems),
    retainDatabaseObjects: parseWith(autoBoolean(production), raw, "retainDatabaseObjects", production, autoHint, problems),
    migrationsDir: value(raw, "migrationsDir")?.trim() || DEFAULT_MIGRATIONS_DIR,
  };
}

function parseSupabaseApi(raw: RawConfig, problems: Problems): SupabaseApiConfig {
  const token = raw["supabase:accessToken"];
  if (token?.value && !token.secret) {
    problems.add(
      "supabase:accessToken",
      "must be a secret; run `pulumi config rm supabase:accessToken` and `pulumi config set --secret supabase:accessToken <token>`",
    );
  }
  const apiUrl = raw["supabase:apiUrl"]?.value;
  if (apiUrl && !/^https?:\/\/[^\s/]+/.test(apiUrl)) {
    problems.add("supabase:apiUrl", `${JSON.stringify(apiUrl)} is not an http(s) URL`);
  }
  return { accessToken: token?.value || undefined, apiUrl: apiUrl || undefined };
}

/** The Management API's pattern for organization slugs (V1CreateProjectBody.organization_slug). */
const slug = z.string().regex(ORGANIZATION_SLUG_PATTERN);
const projectRef = z.string().regex(/^[a-z]{20}$/);
const positiveMinutes = z.coerce.number().int().min(1).max(120);

function parseTarget(raw: RawConfig, problems: Problems): Target | undefined {
  const target = value(raw, "target")?.trim() || "postgres";
  if ((TARGETS as readonly string[]).includes(target)) return target as Target;
  problems.add("target", `unknown target ${JSON.stringify(target)}; use one of ${TARGETS.join(", ")}`);
  return undefined;
}

/**
 * Validates raw stack config into a StackConfig, or throws one ConfigError listing every problem.
 * `target` defaults to `postgres`, the embedded local database.
 */
export function parseStackConfig(raw: RawConfig, stack: string): StackConfig {
  const problems = new Problems();
  const target = parseTarget(raw, problems);
  const common = parseCommon(raw, stack, problems);
  let config: StackConfig | undefined;
  if (target === "postgres") {
    config = { ...common, target, databaseUrl: parseDatabaseUrl(raw, problems) };
  } else if (target === "supabase") {
    const organizationSlug = required(raw, "organizationSlug", target, "<organization-slug>", problems);
    if (organizationSlug && !slug.safeParse(organizationSlug).success) {
      problems.add("organizationSlug", "must be the organization's slug (letters, digits, _ and -), as shown in the dashboard URL");
    }
    config = {
      ...common,
      target,
      organizationSlug,
      region: required(raw, "region", target, "eu-central-1", problems),
      instanceSize: value(raw, "instanceSize")?.trim() || undefined,
      projectName: value(raw, "projectName")?.trim() || `${PROJECT}-${stack}`,
      provisioningTimeoutMinutes: parseWith(
        positiveMinutes,
        raw,
        "provisioningTimeoutMinutes",
        DEFAULT_PROVISIONING_TIMEOUT_MINUTES,
        "use a whole number of minutes from 1 to 120",
        problems,
      ),
      supabase: parseSupabaseApi(raw, problems),
    };
  } else if (target === "supabase-existing") {
    const ref = required(raw, "projectRef", target, "<20-letter project ref>", problems);
    if (ref && !projectRef.safeParse(ref).success) {
      problems.add("projectRef", "must be the project's 20-letter reference id (Project Settings → General)");
    }
    const dbPassword = required(raw, "dbPassword", target, "<database password>", problems);
    requireSecret(raw, "dbPassword", problems);
    config = { ...common, target, projectRef: ref, dbPassword, supabase: parseSupabaseApi(raw, problems) };
  }
  if (problems.list.length > 0 || !config) throw new ConfigError(problems.list);
  return config;
}

/**
 * The SDK knows which keys are secret (the CLI passes them to the program) but exports no
 * typed accessor; `pulumi.Config#get` uses this same function to warn about secrets.
 */
function isConfigSecret(fullKey: string): boolean {
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtimeConfig.isConfigSecret !== "function") {
    throw new Error("this @pulumi/pulumi version has no runtime isConfigSecret; pin @pulumi/pulumi to the version in package-lock.json");
  }
  return runtimeConfig.isConfigSecret(fullKey);
}

/** Reads the stack's config through the Pulumi runtime, keeping each value's secret flag. */
export function readStackConfig(): RawConfig {
  const raw: RawConfig = {};
  const read = (fullKey: string): ConfigValue | undefined => {
    const found = pulumi.runtime.getConfig(fullKey);
    return found === undefined ? undefined : { value: found, secret: isConfigSecret(fullKey) };
  };
  for (const name of CONFIG_KEYS) {
    const entry = read(key(name));
    if (entry) raw[name] = entry;
  }
  for (const name of SUPABASE_CONFIG_KEYS) {
    const entry = read(`supabase:${name}`);
    if (entry) raw[`supabase:${name}`] = entry;
  }
  return raw;
}
