// The custom access token hook of Supabase Auth (pulumi-nodejs:dynamic/supabase:AuthHook).
//
// It PATCHes /v1/projects/{ref}/config/auth with hook_custom_access_token_enabled and
// hook_custom_access_token_uri only: no other auth setting is sent or touched. read reports the
// live enabled flag and URI, so a hook disabled in the dashboard is drift; delete disables it.
//
// Only Postgres function hooks (pg-functions://<database>/<schema>/<function>) are supported:
// HTTP(S) hooks need signing secrets ("v1,whsec_..."), which this resource does not manage.
// The rules are the Supabase CLI's (pg-functions takes no secrets) and Supabase Auth's (each
// part a plain identifier). Register the hook only after its function and grants exist: a hook
// whose function is missing or not executable by supabase_auth_admin breaks every login.
import type * as pulumi from "@pulumi/pulumi";
import { dynamicResource, failure, propertyFailures } from "../toolkit";
import { isManagementApiError } from "./client";
import { configureFromStack, credentialFailures, recordedCredentials, resolveCredentials, type ManagementApiArgs } from "./credentials";
import { getAuthConfig, updateCustomAccessTokenHook } from "./managementApi";
import { API_SECRETS, credentialChanged, definedOnly, projectRefFailures } from "./providerSupport";
import type { AuthConfig } from "./spec";

export const SUPPORTED_HOOKS = ["custom_access_token"] as const;
export type HookName = (typeof SUPPORTED_HOOKS)[number];

/** Supabase Auth's rule for the schema and function parts (and here the database too). */
const POSTGRES_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;
const URI_SCHEME_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

export interface AuthHookInputs {
  projectRef: string;
  hook: HookName;
  enabled: boolean;
  uri: string;
  accessToken?: string;
  apiUrl?: string;
  /** Not an argument of AuthHook: present only to be refused (pg-functions hooks take none). */
  secrets?: string;
}

export type AuthHookOutputs = AuthHookInputs;

/** Why a hook URI is refused, or undefined when it is a well-formed pg-functions URI. */
export function pgFunctionsUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri === "") return "uri is required: pg-functions://<database>/<schema>/<function>";
  const scheme = URI_SCHEME_PATTERN.exec(uri)?.[1]?.toLowerCase() ?? "";
  if (scheme === "http" || scheme === "https") {
    return (
      `uri "${uri}" is an HTTP(S) hook, which needs signing secrets ("v1,whsec_..."); this resource supports ` +
      "Postgres function hooks only: pg-functions://<database>/<schema>/<function>"
    );
  }
  if (scheme !== "pg-functions") {
    return `uri "${uri}" should be a pg-functions URI (pg-functions://<database>/<schema>/<function>)`;
  }
  const rest = uri.slice("pg-functions://".length);
  if (/[?#]/.test(rest)) return `uri "${uri}" must not carry a query or fragment (a pg-functions hook takes no secrets)`;
  const parts = rest.split("/");
  if (parts.length !== 3) return `uri "${uri}" must be pg-functions://<database>/<schema>/<function>, exactly three parts`;
  const [database, schema, fn] = parts;
  if (database.includes("@")) return `uri "${uri}" must not carry credentials (a pg-functions hook takes no secrets)`;
  if (database.includes(":")) return `uri "${uri}" must not name a port: the database part is a database name, e.g. postgres`;
  const named: [string, string][] = [
    ["database", database],
    ["schema", schema],
    ["function", fn],
  ];
  for (const [part, value] of named) {
    if (!POSTGRES_NAME_PATTERN.test(value)) {
      return `uri "${uri}": ${part} "${value}" is not a plain identifier (letters, digits and _, not starting with a digit, at most 63)`;
    }
  }
  return undefined;
}

async function check(_olds: AuthHookInputs, news: AuthHookInputs): Promise<pulumi.dynamic.CheckResult<AuthHookInputs>> {
  const failures = [
    ...projectRefFailures(news.projectRef),
    ...propertyFailures("hook", news.hook, (value) =>
      (SUPPORTED_HOOKS as readonly string[]).includes(value) ? undefined : `hook ${JSON.stringify(value ?? null)} is not supported; use one of: ${SUPPORTED_HOOKS.join(", ")}`,
    ),
    ...propertyFailures("enabled", news.enabled, (value) =>
      typeof value === "boolean" ? undefined : `enabled must be true or false, got ${JSON.stringify(value ?? null)}`,
    ),
    ...propertyFailures("uri", news.uri, pgFunctionsUriProblem),
    ...failure(
      "secrets",
      news.secrets !== undefined && news.secrets !== ""
        ? `auth.hook.${news.hook}.secrets is unsupported for pg-functions URI: remove it (only HTTP(S) hooks take secrets)`
        : undefined,
    ),
    ...credentialFailures({ accessToken: news.accessToken, apiUrl: news.apiUrl }),
  ];
  return { inputs: news, failures };
}

function liveHook(config: AuthConfig): { enabled: boolean; uri: string } {
  return { enabled: config.hook_custom_access_token_enabled ?? false, uri: config.hook_custom_access_token_uri ?? "" };
}

async function apply(inputs: AuthHookInputs): Promise<AuthHookOutputs> {
  const credentials = resolveCredentials(inputs);
  const config = await updateCustomAccessTokenHook(credentials, inputs.projectRef, {
    hook_custom_access_token_enabled: inputs.enabled,
    hook_custom_access_token_uri: inputs.uri,
  });
  const live = liveHook(config);
  if (live.enabled !== inputs.enabled || live.uri !== inputs.uri) {
    throw new Error(
      `PATCH /v1/projects/{ref}/config/auth (project ${inputs.projectRef}) succeeded but the hook reads back as ` +
        `enabled=${live.enabled} uri="${live.uri}", not enabled=${inputs.enabled} uri="${inputs.uri}"`,
    );
  }
  return definedOnly({ ...inputs });
}

async function create(inputs: AuthHookInputs): Promise<pulumi.dynamic.CreateResult<AuthHookOutputs>> {
  return { id: `${inputs.projectRef}/${inputs.hook}`, outs: await apply(inputs) };
}

async function read(id: string, props?: AuthHookOutputs): Promise<pulumi.dynamic.ReadResult<AuthHookOutputs>> {
  const recorded = props as AuthHookOutputs;
  const ref = recorded?.projectRef ?? id.split("/")[0];
  let config: AuthConfig;
  try {
    config = await getAuthConfig(recordedCredentials(recorded ?? {}), ref);
  } catch (error) {
    if (isManagementApiError(error, 404)) return {};
    throw error;
  }
  return { id, props: definedOnly({ ...recorded, ...liveHook(config) }) };
}

async function diff(_id: string, olds: AuthHookOutputs, news: AuthHookInputs): Promise<pulumi.dynamic.DiffResult> {
  const replaces = (["projectRef", "hook"] as const).filter((key) => news[key] !== olds[key]);
  const changes =
    replaces.length > 0 ||
    news.enabled !== olds.enabled ||
    news.uri !== olds.uri ||
    credentialChanged(olds.accessToken, news.accessToken) ||
    credentialChanged(olds.apiUrl, news.apiUrl);
  return { changes, replaces, deleteBeforeReplace: false };
}

async function update(_id: string, olds: AuthHookOutputs, news: AuthHookInputs): Promise<pulumi.dynamic.UpdateResult<AuthHookOutputs>> {
  if (news.enabled === olds.enabled && news.uri === olds.uri) return { outs: definedOnly({ ...news }) };
  return { outs: await apply(news) };
}

async function deleteAuthHook(_id: string, props: AuthHookOutputs): Promise<void> {
  try {
    await updateCustomAccessTokenHook(recordedCredentials(props), props.projectRef, { hook_custom_access_token_enabled: false });
  } catch (error) {
    // The project is gone, and its auth settings with it.
    if (!isManagementApiError(error, 404)) throw error;
  }
}

export const authHookProvider: pulumi.dynamic.ResourceProvider<AuthHookInputs, AuthHookOutputs> = {
  configure: configureFromStack,
  check,
  diff,
  create,
  read,
  update,
  delete: deleteAuthHook,
};

export interface AuthHookArgs extends ManagementApiArgs {
  /**
   * The project's ref (20 lowercase letters), e.g. a Project's `ref`.
   * @default none (required)
   */
  projectRef: pulumi.Input<string>;
  /**
   * custom_access_token, the only hook supported.
   * @default none (required)
   */
  hook: pulumi.Input<HookName>;
  /**
   * Whether the auth server calls the hook; false registers it switched off.
   * @default none (required)
   */
  enabled: pulumi.Input<boolean>;
  /**
   * pg-functions://<database>/<schema>/<function>, e.g. pg-functions://postgres/public/custom_access_token_hook
   * @default none (required)
   */
  uri: pulumi.Input<string>;
}

/** pulumi-nodejs:dynamic/supabase:AuthHook */
export const AuthHook = dynamicResource<AuthHookArgs, AuthHookOutputs>(
  { provider: authHookProvider, module: "supabase", type: "AuthHook", file: __filename, secrets: API_SECRETS },
  (args) => ({ ...args }),
);
export type AuthHook = InstanceType<typeof AuthHook>;
