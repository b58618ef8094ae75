// The Grant provider against a real PostgreSQL 15: execute on functions, select on tables,
// usage on schemas; drift that has_*_privilege would hide behind PUBLIC; quoting.
import { grantProvider, GrantInputs, GrantOutputs } from "../../infra/postgres";
import { withClient } from "../support/db";
import { queryRows, rejectionOf, useFreshDatabase } from "./support";

const SETUP_SQL = `
  create schema probe;
  create function probe.answer(payload jsonb) returns int language sql set search_path = '' as 'select 42';
  create table probe.facts (id int);
  create schema "Odd Schema";
  create function "Odd Schema"."Mixed Case"(integer, text[]) returns int language sql set search_path = '' as 'select 1';
`;

function grantOf(url: string, role: string, objectType: GrantInputs["objectType"], object: string): GrantInputs {
  const privilege = ({ function: "execute", table: "select", schema: "usage" } as const)[objectType];
  return { connection: url, role, privilege, objectType, object };
}

async function aclHas(url: string, sql: string): Promise<boolean> {
  const [{ ok }] = await queryRows<{ ok: boolean }>(url, sql);
  return ok;
}


async function deploy(inputs: GrantInputs): Promise<GrantOutputs> {
  const checked = await grantProvider.check!({} as GrantInputs, inputs);
  expect(checked.failures).toEqual([]);
  return (await grantProvider.create(checked.inputs as GrantInputs)).outs as GrantOutputs;
}

describe("Grant: create, read, diff, update, delete", () => {
  const database = useFreshDatabase("pg_grant", SETUP_SQL);

  it.each([
    ["function", "probe.answer(jsonb)", "select has_function_privilege('authenticated', 'probe.answer(jsonb)', 'execute') as ok"],
    ["table", "probe.facts", "select has_table_privilege('authenticated', 'probe.facts', 'select') as ok"],
    ["schema", "probe", "select has_schema_privilege('authenticated', 'probe', 'usage') as ok"],
  ] as const)("grants and revokes on a %s", async (objectType, object, probe) => {
    const inputs = grantOf(database().url, "authenticated", objectType, object);
    if (objectType === "function") {
      // Functions are executable by PUBLIC by default; take that away so the grant is what counts.
      await withClient(database().url, (client) => client.query("revoke execute on function probe.answer(jsonb) from public"));
    }
    expect(await aclHas(database().url, probe)).toBe(false);
    const outs = await deploy(inputs);
    expect(outs).toEqual({ ...inputs, granted: true });
    expect(await aclHas(database().url, probe)).toBe(true);

    const read = await grantProvider.read!("id", outs);
    expect(read).toEqual({ id: "id", props: outs });
    expect(await grantProvider.diff!("id", outs, { ...inputs, granted: true })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await grantProvider.diff!("id", outs, { ...inputs, role: "anon" })).toEqual({ changes: true, replaces: ["role"], deleteBeforeReplace: true });
    expect(await grantProvider.diff!("id", outs, { ...inputs, object: `${object} ` })).toMatchObject({ replaces: ["object"] });

    await grantProvider.delete!("id", outs);
    expect(await aclHas(database().url, probe)).toBe(false);
    expect((await grantProvider.read!("id", outs)).props?.granted).toBe(false);
  });

  it("stores a new connection without touching the database", async () => {
    const inputs = grantOf(database().url, "authenticated", "table", "probe.facts");
    const outs = await deploy(inputs);
    await withClient(database().url, (client) => client.query("revoke select on probe.facts from authenticated"));
    const moved = { ...inputs, granted: true, connection: `${database().url}?application_name=moved` };
    expect(await grantProvider.diff!("id", outs, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await grantProvider.update!("id", outs, moved);
    expect(updated.outs).toEqual({ ...moved });
    // Not re-granted: update did no database work (only a refresh would show the revoke).
    expect(await aclHas(database().url, "select has_table_privilege('authenticated', 'probe.facts', 'select') as ok")).toBe(false);
  });

  it("quotes identifiers: mixed-case schema and function names with array argument types", async () => {
    const outs = await deploy(grantOf(database().url, "service_role", "function", '"Odd Schema"."Mixed Case"(integer, text[])'));
    expect(await aclHas(database().url, `select has_function_privilege('service_role', '"Odd Schema"."Mixed Case"(integer, text[])', 'execute') as ok`)).toBe(true);
    expect((await grantProvider.read!("id", outs)).props?.granted).toBe(true);
    const schemaGrant = await deploy(grantOf(database().url, "service_role", "schema", '"Odd Schema"'));
    expect(await aclHas(database().url, `select has_schema_privilege('service_role', 'Odd Schema', 'usage') as ok`)).toBe(true);
    await grantProvider.delete!("id", schemaGrant);
    expect(await aclHas(database().url, `select has_schema_privilege('service_role', 'Odd Schema', 'usage') as ok`)).toBe(false);
  });
});

describe("Grant: drift", () => {
  const database = useFreshDatabase("pg_grant", SETUP_SQL);

  it("sees a revoke that PUBLIC's execute would hide from has_function_privilege, and update grants again", async () => {
    const inputs = grantOf(database().url, "authenticated", "function", "probe.answer(jsonb)");
    const outs = await deploy(inputs);
    await withClient(database().url, (client) => client.query("revoke execute on function probe.answer(jsonb) from authenticated"));
    // Still executable through PUBLIC: has_function_privilege cannot tell.
    expect(await aclHas(database().url, "select has_function_privilege('authenticated', 'probe.answer(jsonb)', 'execute') as ok")).toBe(true);

    const read = await grantProvider.read!("id", outs);
    expect(read.id).toBe("id");
    expect(read.props?.granted).toBe(false);
    const desired = { ...inputs, granted: true };
    expect(await grantProvider.diff!("id", read.props as GrantOutputs, desired)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    await grantProvider.update!("id", read.props as GrantOutputs, desired);
    expect((await grantProvider.read!("id", outs)).props?.granted).toBe(true);
  });

  it("reads a dropped object or role as gone; create on a missing object says what to do", async () => {
    const outs = await deploy(grantOf(database().url, "authenticated", "function", "probe.answer(jsonb)"));
    await withClient(database().url, (client) => client.query("drop function probe.answer(jsonb)"));
    expect((await grantProvider.read!("id", outs)).id).toBeFalsy();
    await grantProvider.delete!("id", outs);

    const error = await rejectionOf(grantProvider.create(grantOf(database().url, "authenticated", "function", "probe.answer(jsonb)")));
    expect(error.message).toContain("grant execute on function probe.answer(jsonb) to authenticated: function probe.answer(jsonb) does not exist");
    expect(error.message).toContain("make the Grant depend on that Migration");
    const missingType = await grantProvider.read!("id", { ...outs, object: "probe.answer(probe.no_such_type)" });
    expect(missingType.id).toBeFalsy();

    const tableGrant = await deploy(grantOf(database().url, "authenticated", "table", "probe.facts"));
    expect((await grantProvider.read!("id", { ...tableGrant, role: "no_such_role" })).id).toBeFalsy();
    const roleError = await rejectionOf(grantProvider.create({ ...tableGrant, role: "no_such_role" }));
    expect(roleError.message).toContain("role no_such_role does not exist");
  });
});

describe("Grant: check", () => {
  const good = (): GrantInputs => grantOf("postgresql://u:p@db.example.com/postgres?sslmode=require", "authenticated", "function", "analytics.manual_refresh()");

  it("accepts the declared admin surface shapes without connecting", async () => {
    for (const inputs of [
      good(),
      grantOf(good().connection, "supabase_auth_admin", "function", "public.custom_access_token_hook(jsonb)"),
      grantOf(good().connection, "supabase_auth_admin", "table", "public.user_roles"),
      grantOf(good().connection, "authenticated", "schema", "analytics"),
    ]) {
      const checked = await grantProvider.check!({} as GrantInputs, inputs);
      expect(checked.failures).toEqual([]);
      expect(checked.inputs).toEqual({ ...inputs, granted: true });
    }
  });

  it.each([
    ["role", { role: "Authenticated" }, "is not a role name"],
    ["role", { role: "public" }, "PUBLIC"],
    ["privilege", { privilege: "select" }, "a function takes execute, not select"],
    ["privilege", { privilege: "EXECUTE" }, "must be one of execute, select, usage"],
    ["objectType", { objectType: "view" }, "must be one of function, table, schema"],
    ["object", { object: "manual_refresh()" }, "must be schema-qualified"],
    ["object", { object: "analytics.manual_refresh" }, "must list the argument types"],
    ["object", { object: "analytics.f(x integer)" }, "without names or modes"],
    ["object", { object: "analytics.f(); drop table public.user_roles" }, "is not a schema-qualified function"],
    ["object", { object: "analytics.f() to anon, authenticated" }, "is not a schema-qualified function"],
    ["object", { object: "analytics.f(, )" }, "syntax error"],
    ["object", { objectType: "table", privilege: "select", object: "user_roles" }, "must be schema-qualified (schema.table)"],
    ["object", { objectType: "schema", privilege: "usage", object: "a.b" }, "is not a schema name"],
    ["object", { objectType: "schema", privilege: "usage", object: "" }, "required"],
  ])("fails on %s %j", async (property, change, reason) => {
    const checked = await grantProvider.check!({} as GrantInputs, { ...good(), ...change } as GrantInputs);
    expect(checked.failures).toEqual([{ property, reason: expect.stringContaining(reason) }]);
  });
});
