// Which token and base URL a provider call uses.
//
// Inputs win (the program passes the secret stack config supabase:accessToken and
// supabase:apiUrl); otherwise SUPABASE_ACCESS_TOKEN and SUPABASE_API_URL are read when the
// provider method runs, not when the program starts, so a CI refresh or destroy works with
// nothing but the environment.
//
// refresh and destroy have only what an earlier `up` recorded, which may be a token rotated
// since. The CLI gives a dynamic provider the whole stack config when it configures it
// (pkg/resource/deploy/target.go GetPackageConfig: "For dynamic providers, we always pass the
// full configuration"), so the stack's current supabase:accessToken and supabase:apiUrl are
// kept (configureFromStack) and win over recorded ones (recordedCredentials).
import type * as pulumi from "@pulumi/pulumi";

export const DEFAULT_API_URL = "https://api.supabase.com";
export const ACCESS_TOKEN_ENV = "SUPABASE_ACCESS_TOKEN";
export const API_URL_ENV = "SUPABASE_API_URL";

export const MISSING_TOKEN_MESSAGE =
  "no Supabase access token: set the SUPABASE_ACCESS_TOKEN environment variable, or run " +
  "`pulumi config set --secret supabase:accessToken <token>` (create one at https://supabase.com/dashboard/account/tokens)";

export interface Credentials {
  token: string;
  baseUrl: string;
}

/** The credential arguments of every Management API resource. */
export interface ManagementApiArgs {
  /**
   * Management API token (secret).
   * @default SUPABASE_ACCESS_TOKEN, read when the provider runs
   */
  accessToken?: pulumi.Input<string>;
  /**
   * Management API base URL.
   * @default SUPABASE_API_URL when the provider runs, else https://api.supabase.com
   */
  apiUrl?: pulumi.Input<string>;
}

export interface CredentialInputs {
  accessToken?: string;
  apiUrl?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function tokenFrom(inputs: CredentialInputs): string | undefined {
  return nonEmpty(inputs.accessToken) ?? nonEmpty(process.env[ACCESS_TOKEN_ENV]);
}

function baseUrlFrom(inputs: CredentialInputs): string {
  return (nonEmpty(inputs.apiUrl) ?? nonEmpty(process.env[API_URL_ENV]) ?? DEFAULT_API_URL).replace(/\/+$/, "");
}

function apiUrlProblem(baseUrl: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_INVALID_URL") throw error;
    return `the Management API URL "${baseUrl}" is not a URL: set supabase:apiUrl or SUPABASE_API_URL to e.g. ${DEFAULT_API_URL}`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `the Management API URL "${baseUrl}" must be http(s), e.g. ${DEFAULT_API_URL}`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "the Management API URL must not carry credentials: pass the token as supabase:accessToken or SUPABASE_ACCESS_TOKEN";
  }
  return undefined;
}

/** Check failures for the credentials a later create/update would use. */
export function credentialFailures(inputs: CredentialInputs): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  if (tokenFrom(inputs) === undefined) failures.push({ property: "accessToken", reason: MISSING_TOKEN_MESSAGE });
  const problem = apiUrlProblem(baseUrlFrom(inputs));
  if (problem !== undefined) failures.push({ property: "apiUrl", reason: problem });
  return failures;
}

/** Per plugin process: the stack config's credentials, from the provider's configure. */
const STACK_CREDENTIALS_KEY = "__supabaseAnalyticsStackCredentials";

function stackCredentials(): CredentialInputs {
  return ((globalThis as Record<string, unknown>)[STACK_CREDENTIALS_KEY] as CredentialInputs | undefined) ?? {};
}

/** The providers' configure: keeps supabase:accessToken and supabase:apiUrl of the stack config, when set. */
export async function configureFromStack(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const value = (key: string) => {
    const raw: unknown = request.config.get(key);
    return typeof raw === "string" ? nonEmpty(raw) : undefined;
  };
  (globalThis as Record<string, unknown>)[STACK_CREDENTIALS_KEY] = { accessToken: value("supabase:accessToken"), apiUrl: value("supabase:apiUrl") };
}

/** For refresh and delete: the stack config's current credentials, else the recorded ones, else the environment. */
export function recordedCredentials(recorded: CredentialInputs): Credentials {
  const current = stackCredentials();
  return resolveCredentials({ accessToken: current.accessToken ?? recorded.accessToken, apiUrl: current.apiUrl ?? recorded.apiUrl });
}

export function resolveCredentials(inputs: CredentialInputs): Credentials {
  const token = tokenFrom(inputs);
  if (token === undefined) throw new Error(MISSING_TOKEN_MESSAGE);
  const baseUrl = baseUrlFrom(inputs);
  const problem = apiUrlProblem(baseUrl);
  if (problem !== undefined) throw new Error(problem);
  return { token, baseUrl };
}
