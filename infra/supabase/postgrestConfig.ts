// The schemas the Data API (PostgREST) exposes (pulumi-nodejs:dynamic/supabase:PostgrestConfig).
//
// It makes sure every declared schema (at least `analytics`, so that
// supabase.schema('analytics').rpc('manual_refresh') works) is in db_schema, keeping every
// entry that is already there, in its place. It records which entries it added, and delete
// removes only those. read reports the declared schemas that are still exposed (`schemas`,
// so one removed in the dashboard is drift) and the whole live list (`exposedSchemas`).
import type * as pulumi from "@pulumi/pulumi";
import { CheckFailure, dynamicResource, isUnknown } from "../toolkit";
import { isManagementApiError } from "./client";
import { configureFromStack, credentialFailures, recordedCredentials, resolveCredentials, type Credentials, type ManagementApiArgs } from "./credentials";
import { getPostgrestConfig, updatePostgrestSchemas } from "./managementApi";
import { API_SECRETS, credentialChanged, definedOnly, projectRefFailures, sameSet } from "./providerSupport";

/** The schema this stack's admin API lives in. */
export const REQUIRED_SCHEMA = "analytics";
/** A plain PostgreSQL identifier: db_schema is a comma-separated list of them. */
const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export interface PostgrestConfigInputs {
  projectRef: string;
  schemas: string[];
  accessToken?: string;
  apiUrl?: string;
}

export interface PostgrestConfigOutputs extends PostgrestConfigInputs {
  /** Declared schemas this resource added to db_schema (delete removes exactly these). */
  addedSchemas: string[];
  /** db_schema as the API reports it, in order. */
  exposedSchemas: string[];
}

export function parseDbSchema(dbSchema: string): string[] {
  return dbSchema
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function schemasFailures(schemas: unknown): CheckFailure[] {
  if (isUnknown(schemas)) return [];
  if (!Array.isArray(schemas) || schemas.length === 0) {
    return [{ property: "schemas", reason: `schemas must be a list of schema names that includes "${REQUIRED_SCHEMA}"` }];
  }
  const failures: CheckFailure[] = [];
  for (const schema of schemas) {
    if (isUnknown(schema)) continue;
    if (typeof schema !== "string" || !SCHEMA_NAME_PATTERN.test(schema)) {
      failures.push({
        property: "schemas",
        reason: `${JSON.stringify(schema)} is not a schema name (letters, digits, _ and $; no commas or spaces)`,
      });
    }
  }
  if (new Set(schemas).size !== schemas.length) failures.push({ property: "schemas", reason: "schemas lists a schema twice" });
  if (!schemas.includes(REQUIRED_SCHEMA) && !schemas.some(isUnknown)) {
    failures.push({
      property: "schemas",
      reason: `schemas must include "${REQUIRED_SCHEMA}": the admin functions are called as supabase.schema('analytics').rpc(...)`,
    });
  }
  return failures;
}

async function check(_olds: PostgrestConfigInputs, news: PostgrestConfigInputs): Promise<pulumi.dynamic.CheckResult<PostgrestConfigInputs>> {
  const failures = [
    ...projectRefFailures(news.projectRef),
    ...schemasFailures(news.schemas),
    ...credentialFailures({ accessToken: news.accessToken, apiUrl: news.apiUrl }),
  ];
  return { inputs: news, failures };
}

async function liveSchemas(credentials: Credentials, ref: string): Promise<string[]> {
  return parseDbSchema((await getPostgrestConfig(credentials, ref)).db_schema);
}

/**
 * Brings db_schema to: the live entries minus `remove`, plus the declared ones missing, appended.
 * Returns the live list after the change and the declared schemas it had to add.
 */
async function reconcile(
  credentials: Credentials,
  ref: string,
  declared: readonly string[],
  remove: readonly string[],
): Promise<{ exposed: string[]; added: string[] }> {
  const live = await liveSchemas(credentials, ref);
  const kept = live.filter((schema) => !remove.includes(schema));
  const added = declared.filter((schema) => !kept.includes(schema));
  const wanted = [...kept, ...added];
  if (wanted.join(",") === live.join(",")) return { exposed: live, added };
  const updated = parseDbSchema((await updatePostgrestSchemas(credentials, ref, wanted.join(","))).db_schema);
  const missing = declared.filter((schema) => !updated.includes(schema));
  if (missing.length > 0) {
    throw new Error(
      `PATCH /v1/projects/{ref}/postgrest (project ${ref}) succeeded but db_schema is "${updated.join(",")}", ` +
        `without ${missing.join(", ")}: check the project's API settings in the dashboard`,
    );
  }
  return { exposed: updated, added };
}

function outputs(inputs: PostgrestConfigInputs, exposed: string[], added: string[]): PostgrestConfigOutputs {
  return definedOnly({ ...inputs, addedSchemas: added, exposedSchemas: exposed });
}

async function create(inputs: PostgrestConfigInputs): Promise<pulumi.dynamic.CreateResult<PostgrestConfigOutputs>> {
  const credentials = resolveCredentials(inputs);
  const { exposed, added } = await reconcile(credentials, inputs.projectRef, inputs.schemas, []);
  return { id: inputs.projectRef, outs: outputs(inputs, exposed, added) };
}

async function read(id: string, props?: PostgrestConfigOutputs): Promise<pulumi.dynamic.ReadResult<PostgrestConfigOutputs>> {
  const recorded = props as PostgrestConfigOutputs;
  let live: string[];
  try {
    live = await liveSchemas(recordedCredentials(recorded ?? {}), recorded?.projectRef ?? id);
  } catch (error) {
    if (isManagementApiError(error, 404)) return {};
    throw error;
  }
  return {
    id,
    props: definedOnly({
      ...recorded,
      schemas: (recorded?.schemas ?? []).filter((schema) => live.includes(schema)),
      addedSchemas: (recorded?.addedSchemas ?? []).filter((schema) => live.includes(schema)),
      exposedSchemas: live,
    }),
  };
}

async function diff(_id: string, olds: PostgrestConfigOutputs, news: PostgrestConfigInputs): Promise<pulumi.dynamic.DiffResult> {
  const replaces = news.projectRef !== olds.projectRef ? ["projectRef"] : [];
  const changes =
    replaces.length > 0 ||
    !sameSet(olds.schemas, news.schemas) ||
    credentialChanged(olds.accessToken, news.accessToken) ||
    credentialChanged(olds.apiUrl, news.apiUrl);
  return { changes, replaces, deleteBeforeReplace: false };
}

async function update(
  _id: string,
  olds: PostgrestConfigOutputs,
  news: PostgrestConfigInputs,
): Promise<pulumi.dynamic.UpdateResult<PostgrestConfigOutputs>> {
  const previouslyAdded = olds.addedSchemas ?? [];
  if (sameSet(olds.schemas, news.schemas)) {
    // Only the provider version or the credentials changed: nothing to ask the API.
    return { outs: outputs(news, olds.exposedSchemas ?? [], previouslyAdded) };
  }
  const credentials = resolveCredentials(news);
  const undeclared = previouslyAdded.filter((schema) => !news.schemas.includes(schema));
  const { exposed, added } = await reconcile(credentials, news.projectRef, news.schemas, undeclared);
  const stillOurs = previouslyAdded.filter((schema) => news.schemas.includes(schema) && exposed.includes(schema));
  return { outs: outputs(news, exposed, [...new Set([...stillOurs, ...added])]) };
}

async function deletePostgrestConfig(_id: string, props: PostgrestConfigOutputs): Promise<void> {
  const added = props.addedSchemas ?? [];
  if (added.length === 0) return;
  try {
    await reconcile(recordedCredentials(props), props.projectRef, [], added);
  } catch (error) {
    // The project is gone, and its settings with it.
    if (!isManagementApiError(error, 404)) throw error;
  }
}

export const postgrestConfigProvider: pulumi.dynamic.ResourceProvider<PostgrestConfigInputs, PostgrestConfigOutputs> = {
  configure: configureFromStack,
  check,
  diff,
  create,
  read,
  update,
  delete: deletePostgrestConfig,
};

export interface PostgrestConfigArgs extends ManagementApiArgs {
  /**
   * The project's ref (20 lowercase letters), e.g. a Project's `ref`.
   * @default none (required)
   */
  projectRef: pulumi.Input<string>;
  /**
   * Schemas the Data API must expose; must include "analytics". Existing entries are kept.
   * @default none (required)
   */
  schemas: pulumi.Input<pulumi.Input<string>[]>;
}

/** pulumi-nodejs:dynamic/supabase:PostgrestConfig */
export const PostgrestConfig = dynamicResource<PostgrestConfigArgs, PostgrestConfigOutputs>(
  { provider: postgrestConfigProvider, module: "supabase", type: "PostgrestConfig", file: __filename, secrets: API_SECRETS },
  (args) => ({ addedSchemas: undefined, exposedSchemas: undefined, ...args }),
);
export type PostgrestConfig = InstanceType<typeof PostgrestConfig>;
