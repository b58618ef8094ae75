// The session-pooler URL of a project, for the database resources
// (pulumi-nodejs:dynamic/supabase:DatabaseConnection).
//
// Why a resource of its own: a previewed update of a dynamic resource gets back its new inputs
// only, and every other output is unknown (the Go engine's provider_plugin.go Update, for a
// provider without preview support). Were the database resources given the Project's
// `connection` output, any Project update (a stored token, a status drift) would preview
// every one of them as an update. Here the URL is computed in check, from the project's ref
// (the Project's id, known once it exists) and the password, by asking the Management API
// which pooler serves the project: it is an input, so it stays known in every preview, and
// it changes exactly when the URL does (a new password, a moved pooler).
//
// Drift: read asks the API again, so a pooler the platform moved is drift, and `up` records
// the new URL (every database resource then stores it too). Delete does nothing: it only
// describes the project's pooler.
import type * as pulumi from "@pulumi/pulumi";
import { CheckFailure, dynamicResource, isKnownString, propertyFailures } from "../toolkit";
import { isManagementApiError } from "./client";
import { configureFromStack, credentialFailures, recordedCredentials, resolveCredentials, type ManagementApiArgs } from "./credentials";
import { liveConnection } from "./project";
import { credentialChanged, definedOnly, projectRefFailures } from "./providerSupport";

export interface DatabaseConnectionInputs {
  projectRef: string;
  dbPass: string;
  accessToken?: string;
  apiUrl?: string;
  /** Set by check: the session-pooler URL with the password and sslmode=require. */
  connection?: string;
}

export type DatabaseConnectionOutputs = DatabaseConnectionInputs;

/** What the program gives as `connection`: check replaces it. */
const CONNECTION_PLACEHOLDER = "";

function dbPassFailures(dbPass: unknown): CheckFailure[] {
  return propertyFailures("dbPass", dbPass, (value) => (typeof value === "string" && value !== "" ? undefined : "dbPass (the database password, secret) is required"));
}

async function check(_olds: DatabaseConnectionInputs, news: DatabaseConnectionInputs): Promise<pulumi.dynamic.CheckResult<DatabaseConnectionInputs>> {
  // The program gives a placeholder; the URL is always this check's.
  const { connection: _placeholder, ...inputs } = news;
  const failures = [
    ...projectRefFailures(inputs.projectRef),
    ...dbPassFailures(inputs.dbPass),
    ...credentialFailures({ accessToken: inputs.accessToken, apiUrl: inputs.apiUrl }),
  ];
  // Unknown ref (the project is still to be created) or password (a new one): the URL is unknown too.
  if (failures.length > 0 || !isKnownString(inputs.projectRef) || !isKnownString(inputs.dbPass)) return { inputs, failures };
  const connection = await liveConnection(resolveCredentials(inputs), inputs.projectRef, inputs.dbPass);
  return { inputs: { ...inputs, connection }, failures: [] };
}

async function diff(_id: string, olds: DatabaseConnectionOutputs, news: DatabaseConnectionInputs): Promise<pulumi.dynamic.DiffResult> {
  const changes =
    news.projectRef !== olds.projectRef ||
    news.dbPass !== olds.dbPass ||
    news.connection !== olds.connection ||
    credentialChanged(olds.accessToken, news.accessToken) ||
    credentialChanged(olds.apiUrl, news.apiUrl);
  return { changes, replaces: [], deleteBeforeReplace: false };
}

/** The inputs with the URL: check's, or the API's when check could not know it yet. */
async function withConnection(inputs: DatabaseConnectionInputs): Promise<DatabaseConnectionOutputs> {
  const connection = inputs.connection ?? (await liveConnection(resolveCredentials(inputs), inputs.projectRef, inputs.dbPass));
  return definedOnly({ ...inputs, connection });
}

async function create(inputs: DatabaseConnectionInputs): Promise<pulumi.dynamic.CreateResult<DatabaseConnectionOutputs>> {
  return { id: inputs.projectRef, outs: await withConnection(inputs) };
}

async function read(id: string, props?: DatabaseConnectionOutputs): Promise<pulumi.dynamic.ReadResult<DatabaseConnectionOutputs>> {
  if (props === undefined) return {};
  try {
    const connection = await liveConnection(recordedCredentials(props), props.projectRef ?? id, props.dbPass);
    return { id, props: { ...props, connection } };
  } catch (error) {
    // The project is gone, and its pooler with it.
    if (isManagementApiError(error, 404)) return {};
    throw error;
  }
}

async function update(_id: string, _olds: DatabaseConnectionOutputs, news: DatabaseConnectionInputs): Promise<pulumi.dynamic.UpdateResult<DatabaseConnectionOutputs>> {
  return { outs: await withConnection(news) };
}

export const databaseConnectionProvider: pulumi.dynamic.ResourceProvider<DatabaseConnectionInputs, DatabaseConnectionOutputs> = {
  configure: configureFromStack,
  check,
  diff,
  create,
  read,
  update,
  // Nothing to delete: the pooler belongs to the project.
  delete: async () => undefined,
};

export interface DatabaseConnectionArgs extends ManagementApiArgs {
  /**
   * The project's ref: its `id`, which stays known while the project is updated.
   * @default none (required)
   */
  projectRef: pulumi.Input<string>;
  /**
   * The database password (secret), as given to the Project.
   * @default none (required)
   */
  dbPass: pulumi.Input<string>;
}

/** pulumi-nodejs:dynamic/supabase:DatabaseConnection */
export const DatabaseConnection = dynamicResource<DatabaseConnectionArgs, DatabaseConnectionOutputs>(
  { provider: databaseConnectionProvider, module: "supabase", type: "DatabaseConnection", file: __filename, secrets: ["connection", "dbPass", "accessToken"] },
  // A secret placeholder for the URL check puts in its place: the engine marks what check returns
  // secret only under keys whose given value was secret (provider_plugin.go Check, annotateSecrets).
  (args) => ({ ...args, connection: CONNECTION_PLACEHOLDER }),
);
export type DatabaseConnection = InstanceType<typeof DatabaseConnection>;
