// Schema: the objects the migrations own, watched against the expected schema (sql/schema.json).
//
// - read inspects the catalog in one statement and reports each difference as one line of
//   `drift` (and the security-relevant ones again in `securityDrift`). The program declares
//   both empty, so drift shows as pulumi refresh shows it: the outputs differ from the state.
//   read also returns them as inputs, so a later check (the next preview) still knows them.
// - check copies the security-relevant lines the last read found into the new inputs: the
//   policy pack sees in a preview what up is about to repair (policy/policies/schemaDrift.ts).
// - update puts back what holds no data, under the migration lock: functions, views,
//   triggers and their enabled state, policies, row level security, owners, then the
//   privileges from a fresh read (revoke the extra, grant the missing), and last the indexes
//   with create/drop index concurrently, outside any transaction, so writers are not blocked.
//   What holds data (tables, columns, constraints, materialized views, types, sequences) it
//   refuses, naming each object: a migration has to change those. Unexpected objects in an
//   owned schema that hold no data are dropped; the rest are refused.
// - The admin surface's privileges (infra/adminSurface.ts, one Grant resource each) are left
//   out of the comparison: the Grant resources own them.
// - create is a read: the migrations made the objects. delete forgets.
import type * as pulumi from "@pulumi/pulumi";
import type { ClientBase, PoolClient } from "pg";
import { underMigrationLock } from "../migrations";
import { failure, isUnknown, providerError } from "../toolkit";
import { withDatabase } from "./connection";
import type { GrantSpec } from "./objectNames";
import { CommonInputs, connectionFailures, diffProperties, PostgresArgs, STORED_ONLY_KEYS } from "./providerInputs";
import { readCatalog } from "./schemaCatalog";
import {
  aclRepairs,
  catalogScope,
  compareSchema,
  ExpectedSchema,
  Finding,
  packedSchemaHash,
  staleExpectedSchema,
  unpackExpectedSchema,
} from "./schemaDrift";

export interface SchemaArgs extends PostgresArgs {
  /**
   * The expected schema (sql/schema.json, infra/expectedSchema.ts), packed: packExpectedSchema().
   * @default none (required)
   */
  expected: pulumi.Input<string>;
  /**
   * Privileges owned by Grant resources (the admin surface): not compared here.
   * @default none (required; an empty list compares every privilege)
   */
  managedGrants: pulumi.Input<pulumi.Input<GrantSpec>[]>;
  /**
   * The stack's migrations, `<version> <sha256>` each: the expected schema must be generated from exactly these.
   * @default none (required)
   */
  migrations: pulumi.Input<pulumi.Input<string>[]>;
}

export interface SchemaInputs extends CommonInputs {
  /** packExpectedSchema(sql/schema.json) */
  expected: string;
  managedGrants: GrantSpec[];
  migrations: string[];
  /** One line per difference; declared empty, read reports what it finds. */
  drift: string[];
  /** The security-relevant lines of drift (the policy pack's input). */
  securityDrift: string[];
}

export type SchemaOutputs = SchemaInputs;

const DIFF_KEYS = ["expectedHash", "managedGrants", "migrations", "drift", ...STORED_ONLY_KEYS];

/**
 * Statement timeout of an index build or drop (concurrently): the deploy sessions' 60 s is too
 * short for an event table of millions of rows; writers are not blocked meanwhile.
 */
const INDEX_BUILD_TIMEOUT = "30min";
const INDEX_BUILD_SETTINGS_SQL = `set statement_timeout = '${INDEX_BUILD_TIMEOUT}'`;

/** How a refused finding reads in up's error. */
const REFUSAL_FIX = "it holds data (or defines what does): write a migration that changes it, then run `npm run gen:schema`";

function resolveInputs(news: SchemaInputs): SchemaInputs {
  return { ...news, drift: news.drift ?? [], securityDrift: news.securityDrift ?? [] };
}

/** What diff compares: the expected schema by its hash, the rest as they are. */
function comparable(inputs: SchemaInputs): Record<string, unknown> {
  const { expected, ...rest } = resolveInputs(inputs);
  return { ...rest, expectedHash: typeof expected === "string" ? packedSchemaHash(expected) : expected };
}

async function inspect(client: ClientBase, inputs: SchemaInputs): Promise<Finding[]> {
  const expected = unpackExpectedSchema(inputs.expected);
  const live = await readCatalog(client, catalogScope(expected));
  return compareSchema(expected, live, inputs.managedGrants);
}

function report(findings: readonly Finding[]): Pick<SchemaInputs, "drift" | "securityDrift"> {
  return { drift: findings.map((item) => item.line), securityDrift: findings.filter((item) => item.security).map((item) => item.line) };
}

/** Runs each statement, naming the finding it repairs when one fails. */
async function run(client: ClientBase, statements: readonly string[], line: string): Promise<void> {
  for (const statement of statements) {
    try {
      await client.query(statement);
    } catch (error) {
      throw providerError(`restoring "${line}": ${statement.split("\n")[0]} failed: ${(error as Error).message}`, (error as { code?: string }).code);
    }
  }
}

/** The transactional repairs in order, each statement list once (a function with three differences is replaced once). */
function transactionalRepairs(findings: readonly Finding[]): Array<{ line: string; statements: string[] }> {
  const seen = new Set<string>();
  const repairs: Array<{ line: string; statements: string[]; order: number }> = [];
  for (const item of findings) {
    if (item.repair.kind !== "sql") continue;
    const key = item.repair.statements.join("\n");
    if (seen.has(key)) continue;
    seen.add(key);
    repairs.push({ line: item.line, statements: item.repair.statements, order: item.repair.order });
  }
  return repairs.sort((a, b) => a.order - b.order);
}

async function restore(client: PoolClient, inputs: SchemaInputs): Promise<void> {
  const refused: string[] = [];
  const concurrent: Array<{ line: string; statements: string[] }> = [];
  await underMigrationLock(client, async () => {
    const findings = await inspect(client, inputs);
    for (const item of findings) {
      if (item.repair.kind === "refuse") refused.push(item.line);
      if (item.repair.kind === "concurrent") concurrent.push({ line: item.line, statements: item.repair.statements });
    }
    for (const repair of transactionalRepairs(findings)) await run(client, repair.statements, repair.line);
    // Privileges last, from what the repairs left: a re-created function starts with the defaults.
    const expected = unpackExpectedSchema(inputs.expected);
    const live = await readCatalog(client, catalogScope(expected));
    await run(client, aclRepairs(expected, live, inputs.managedGrants), "privileges");
  });
  if (concurrent.length > 0) await client.query(INDEX_BUILD_SETTINGS_SQL);
  for (const repair of concurrent) await run(client, repair.statements, repair.line);
  if (refused.length > 0) {
    throw providerError(`schema drift that up does not put back (${REFUSAL_FIX}):\n  ${refused.join("\n  ")}`);
  }
}

export const schemaProvider: pulumi.dynamic.ResourceProvider<SchemaInputs, SchemaOutputs> = {
  async check(olds, news) {
    const inputs = resolveInputs(news);
    const failures = connectionFailures(inputs.connection);
    if (!isUnknown(inputs.expected)) {
      let expected: ExpectedSchema | undefined;
      try {
        expected = unpackExpectedSchema(inputs.expected);
      } catch (error) {
        // zlib, base64 and JSON errors alike: the input is not what the program packs.
        failures.push(...failure("expected", `required: the expected schema, packed: ${(error as Error).message}`));
      }
      if (expected && !isUnknown(inputs.migrations)) failures.push(...failure("expected", staleExpectedSchema(expected, inputs.migrations ?? [])));
    }
    // What the last read found is what this update repairs: the policy pack sees it in the preview.
    const found = olds?.drift?.length ? (olds.securityDrift ?? []) : [];
    return { inputs: { ...inputs, securityDrift: found }, failures };
  },

  async diff(_id, olds, news) {
    const { changed } = diffProperties(comparable(olds), comparable(news), DIFF_KEYS, []);
    return { changes: changed.length > 0 };
  },

  async create(news) {
    const inputs = resolveInputs(news);
    const findings = await withDatabase(inputs.connection, "reading the schema", (client) => inspect(client, inputs));
    return { id: "schema", outs: { ...inputs, ...report(findings) } };
  },

  async read(id, props) {
    if (!props) return {};
    const inputs = resolveInputs(props);
    const findings = await withDatabase(inputs.connection, "reading the schema", (client) => inspect(client, inputs));
    const live = { ...inputs, ...report(findings) };
    return { id, props: live, inputs: live };
  },

  async update(_id, olds, news) {
    const inputs = resolveInputs(news);
    if (olds.drift?.length) await withDatabase(inputs.connection, "restoring the schema", (client) => restore(client, inputs));
    const findings = await withDatabase(inputs.connection, "reading the schema", (client) => inspect(client, inputs));
    return { outs: { ...inputs, ...report(findings) } };
  },

  async delete() {
    // The objects belong to the migrations; forgetting the watch changes nothing in the database.
  },
};

