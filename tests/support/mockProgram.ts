// The program's resource graph under Pulumi mocks, for a stack as its files configure it:
// Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then the caller's config. Secrets that the
// stack files must not hold (databaseUrl, supabase:accessToken) get placeholder values unless
// the caller passes them. Registrations are answered the way the engine would shape outputs,
// without calling any provider.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runProgram } from "../../infra/program";
import { REPO_ROOT } from "./cluster";
import { markSecretOutputs, ProgramRun, RegisteredResource, RegistrationResult, runUnderMocks } from "./pulumiRuntime";

export type { RegisteredResource } from "./pulumiRuntime";

export interface RegisterProgramOptions {
  stack: string;
  /** Extra or overriding config; keys without a namespace are `supabase-analytics:<key>`. */
  config?: Record<string, string>;
  /** Keys of `config` that are secret. */
  secretConfig?: string[];
}

export const MOCK_PROJECT_REF = "abcdefghijklmnopqrst";
export const MOCK_DATABASE_URL = "postgresql://postgres:mock-password@127.0.0.1:54322/postgres";
export const MOCK_ACCESS_TOKEN = "sbp_mock_token_for_tests";

interface StackFiles {
  config: Record<string, string>;
  /** Keys Pulumi.yaml declares (namespaced), for checks that every key read is declared. */
  declared: string[];
}

/** Project defaults and stack values, the way the CLI merges them before running the program. */
export function readStackFiles(stack: string): StackFiles {
  const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown; value?: unknown }>;
  };
  const config: Record<string, string> = {};
  const declared: string[] = [];
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    const qualified = key.includes(":") ? key : `${project.name}:${key}`;
    declared.push(qualified);
    const fallback = spec.default ?? spec.value;
    if (fallback !== undefined) config[qualified] = String(fallback);
  }
  const stackFile = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(stackFile)) {
    const values = (parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
    for (const [key, value] of Object.entries(values)) config[key] = String(value);
  }
  return { config, declared };
}

function placeholderSecrets(config: Record<string, string>): { config: Record<string, string>; secret: string[] } {
  const target = config["supabase-analytics:target"];
  if (target === "postgres" && !config["supabase-analytics:databaseUrl"]) {
    return { config: { "supabase-analytics:databaseUrl": MOCK_DATABASE_URL }, secret: ["supabase-analytics:databaseUrl"] };
  }
  if (target === "supabase-existing" && !config["supabase-analytics:dbPassword"]) {
    return {
      config: { "supabase-analytics:dbPassword": "mock-db-password", "supabase:accessToken": MOCK_ACCESS_TOKEN },
      secret: ["supabase-analytics:dbPassword", "supabase:accessToken"],
    };
  }
  if (target?.startsWith("supabase")) {
    return { config: { "supabase:accessToken": MOCK_ACCESS_TOKEN }, secret: ["supabase:accessToken"] };
  }
  return { config: {}, secret: [] };
}

/** Outputs shaped as the real providers return them, secret ones marked as the engine marks them. */
export function mockOutputs(resource: RegisteredResource): RegistrationResult {
  let state: Record<string, unknown> = { ...resource.inputs };
  if (resource.type === "random:index/randomPassword:RandomPassword") {
    state.result = `mockpassword${resource.name.replace(/[^a-z0-9]/gi, "")}`;
  } else if (resource.type === "pulumi-nodejs:dynamic/supabase:DatabaseConnection") {
    // What its check puts in place of the placeholder: the session-pooler URL.
    const ref = String(resource.inputs.projectRef);
    state.connection = `postgresql://postgres.${ref}:${String(resource.inputs.dbPass)}@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`;
  } else if (resource.type === "pulumi-nodejs:dynamic/supabase:Project") {
    const ref = (resource.inputs.projectRef as string | undefined) ?? MOCK_PROJECT_REF;
    const dbHost = `db.${ref}.supabase.co`;
    state = {
      ...state,
      ref,
      apiUrl: `https://${ref}.supabase.co`,
      dbHost,
      connection: `postgresql://postgres.${ref}:${String(resource.inputs.dbPass)}@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`,
    };
  }
  return { id: resource.custom ? `${resource.name}-id` : undefined, state: markSecretOutputs(resource, state) };
}

export async function runProgramUnderMocks(options: RegisterProgramOptions): Promise<ProgramRun> {
  const files = readStackFiles(options.stack);
  const qualify = (key: string) => (key.includes(":") ? key : `supabase-analytics:${key}`);
  const given = Object.fromEntries(Object.entries(options.config ?? {}).map(([key, value]) => [qualify(key), value]));
  const merged = { ...files.config, ...given };
  const placeholders = placeholderSecrets(merged);
  return runUnderMocks(
    {
      stack: options.stack,
      config: { ...merged, ...placeholders.config },
      secretConfig: [...(options.secretConfig ?? []).map(qualify), ...placeholders.secret],
    },
    async (resource) => mockOutputs(resource),
    runProgram,
  );
}

/** Every resource the program registers for a stack (the component and its children). */
export async function registerProgram(options: RegisterProgramOptions): Promise<RegisteredResource[]> {
  return (await runProgramUnderMocks(options)).resources;
}
