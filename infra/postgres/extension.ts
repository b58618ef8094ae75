// Extension: a PostgreSQL extension installed in a given schema (pg_cron in pg_catalog, as
// pg_cron and Supabase require), created if it is not there already.
//
// - check accepts only the extensions this stack knows (SUPPORTED_EXTENSIONS) in the schema
//   each needs; it does not connect. create checks pg_available_extensions and says what to
//   install when the server lacks it.
// - read reports the installed version and schema; a missing extension is no id.
// - delete drops it only when this stack created it. An extension that was already installed
//   (the platform's, like pg_cron on the local platform) is adopted, recorded as `adopted`, and
//   left in place by delete: the stack removes only what it made, and a non-superuser deployer
//   could not drop a platform-owned extension anyway. Dropping pg_cron removes every cron job
//   of the database: use retainOnDelete on shared databases (docs/providers.md).
// - The deployer is not a superuser (on Supabase `postgres` is demoted; supautils creates
//   pg_cron on its behalf). On plain PostgreSQL a non-superuser cannot create pg_cron: create
//   says which superuser step is missing instead of passing on a bare "permission denied".
import type * as pulumi from "@pulumi/pulumi";
import type { ClientBase } from "pg";
import { dynamicResource, hasSqlState, propertyFailures, providerError } from "../toolkit";
import { withDatabase } from "./connection";
import { CommonInputs, connectionFailures, PostgresArgs, diffProperties, nameProblem, POSTGRES_SECRETS, STORED_ONLY_KEYS } from "./providerInputs";

export interface ExtensionArgs extends PostgresArgs {
  /**
   * One of SUPPORTED_EXTENSIONS: pg_cron.
   * @default none (required)
   */
  name: pulumi.Input<string>;
  /**
   * The schema the extension is created in, where pg_cron must live.
   * @default "pg_catalog"
   */
  schema?: pulumi.Input<string>;
}

export interface ExtensionInputs extends CommonInputs {
  name: string;
  schema: string;
}

export interface ExtensionOutputs extends ExtensionInputs {
  /** The installed version (pg_extension.extversion). */
  version: string;
  /**
   * True when the extension was installed before this stack's create: delete leaves it.
   * Absent in state written before it existed, which delete treats as created by the stack.
   */
  adopted?: boolean;
}

export const DEFAULT_EXTENSION_SCHEMA = "pg_catalog";

/** The extensions this stack installs, with the schema each must live in. */
export const SUPPORTED_EXTENSIONS: Readonly<Record<string, { schema: string; install: string }>> = {
  pg_cron: {
    schema: "pg_catalog",
    install: "install pg_cron (Debian: postgresql-15-cron), set shared_preload_libraries = 'pg_cron' and cron.database_name to this database, and restart",
  },
};

const AVAILABLE_SQL = "select exists (select 1 from pg_catalog.pg_available_extensions where name = $1) as available";
const CREATE_STATEMENT_SQL = "select pg_catalog.format('create extension if not exists %I with schema %I', $1::text, $2::text) as statement";
const DROP_STATEMENT_SQL = "select pg_catalog.format('drop extension if exists %I', $1::text) as statement";
const INSTALLED_SQL = `
  select e.extversion as version, n.nspname as schema
  from pg_catalog.pg_extension e
  join pg_catalog.pg_namespace n on n.oid = e.extnamespace
  where e.extname = $1`;

/** insufficient_privilege: a non-superuser creating an untrusted extension. */
const INSUFFICIENT_PRIVILEGE = "42501";

const REPLACE_KEYS = ["name", "schema"];
const DIFF_KEYS = [...REPLACE_KEYS, ...STORED_ONLY_KEYS];

function resolveInputs(news: ExtensionInputs): ExtensionInputs {
  return { ...news, schema: news.schema ?? DEFAULT_EXTENSION_SCHEMA };
}

async function installed(client: ClientBase, name: string): Promise<{ version: string; schema: string } | undefined> {
  const { rows } = await client.query<{ version: string; schema: string }>(INSTALLED_SQL, [name]);
  return rows[0];
}

/** Creates the extension, or adopts the one installed in the declared schema. */
async function createExtension(client: ClientBase, inputs: ExtensionInputs): Promise<{ version: string; adopted: boolean }> {
  const existing = await installed(client, inputs.name);
  if (existing?.schema === inputs.schema) return { version: existing.version, adopted: true };
  const { rows } = await client.query<{ available: boolean }>(AVAILABLE_SQL, [inputs.name]);
  if (!rows[0].available) {
    const install = Object.hasOwn(SUPPORTED_EXTENSIONS, inputs.name) ? SUPPORTED_EXTENSIONS[inputs.name].install : "install it on the server";
    throw providerError(`extension ${inputs.name} is not available on this server: ${install}`);
  }
  const statement = await client.query<{ statement: string }>(CREATE_STATEMENT_SQL, [inputs.name, inputs.schema]);
  try {
    await client.query(statement.rows[0].statement);
  } catch (error) {
    if (!hasSqlState(error, INSUFFICIENT_PRIVILEGE)) throw error;
    throw providerError(
      `extension ${inputs.name}: the deploying role may not create it (it is not a superuser). On Supabase the platform ` +
        `creates it for postgres; on plain PostgreSQL have a superuser run ` +
        `"create extension ${inputs.name} with schema ${inputs.schema}" in this database once, then deploy again`,
      INSUFFICIENT_PRIVILEGE,
    );
  }
  const state = await installed(client, inputs.name);
  if (!state) throw providerError(`extension ${inputs.name}: create extension reported success but pg_extension has no row`);
  if (state.schema !== inputs.schema) {
    throw providerError(
      `extension ${inputs.name} is already installed in schema ${state.schema}, not ${inputs.schema}: ` +
        `drop it and deploy again, or declare schema ${state.schema}`,
    );
  }
  return { version: state.version, adopted: false };
}

export const extensionProvider: pulumi.dynamic.ResourceProvider<ExtensionInputs, ExtensionOutputs> = {
  async check(_olds, news) {
    const inputs = resolveInputs(news);
    const failures = [
      ...connectionFailures(inputs.connection),
      ...propertyFailures("name", inputs.name, (value) => {
        const problem = nameProblem(value, "pg_cron");
        if (problem) return problem;
        return Object.hasOwn(SUPPORTED_EXTENSIONS, value)
          ? undefined
          : `unknown extension "${value}"; this stack supports ${Object.keys(SUPPORTED_EXTENSIONS).join(", ")}`;
      }),
      ...propertyFailures("schema", inputs.schema, (value) => {
        const problem = nameProblem(value, DEFAULT_EXTENSION_SCHEMA);
        if (problem) return problem;
        const required = Object.hasOwn(SUPPORTED_EXTENSIONS, inputs.name) ? SUPPORTED_EXTENSIONS[inputs.name].schema : undefined;
        return required && value !== required ? `${inputs.name} must be installed in schema ${required}, not ${value}` : undefined;
      }),
    ];
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const { changed, replaces } = diffProperties(resolveInputs(olds), resolveInputs(news), DIFF_KEYS, REPLACE_KEYS);
    // Same name in another schema: the old one must be dropped before it can be created again.
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(news) {
    const inputs = resolveInputs(news);
    const created = await withDatabase(inputs.connection, `extension ${inputs.name}`, (client) => createExtension(client, inputs));
    return { id: inputs.name, outs: { ...inputs, ...created } };
  },

  async read(id, props) {
    if (!props) return {};
    const state = await withDatabase(props.connection, `reading extension ${props.name}`, (client) => installed(client, props.name));
    if (!state) return {};
    return { id, props: { ...props, schema: state.schema, version: state.version } };
  },

  async update(_id, olds, news) {
    // name and schema replace; what is left (connection) is only stored.
    return { outs: { ...resolveInputs(news), version: olds.version, adopted: olds.adopted } };
  },

  async delete(_id, props) {
    if (props.adopted) return;
    await withDatabase(props.connection, `dropping extension ${props.name}`, async (client) => {
      const statement = await client.query<{ statement: string }>(DROP_STATEMENT_SQL, [props.name]);
      await client.query(statement.rows[0].statement);
    });
  },
};

/** pulumi-nodejs:dynamic/postgres:Extension */
export const Extension = dynamicResource<ExtensionArgs, ExtensionOutputs>(
  { provider: extensionProvider, module: "postgres", type: "Extension", file: __filename, secrets: POSTGRES_SECRETS },
  (args) => ({ ...args, schema: args.schema ?? DEFAULT_EXTENSION_SCHEMA, version: undefined, adopted: undefined }),
);
export type Extension = InstanceType<typeof Extension>;
