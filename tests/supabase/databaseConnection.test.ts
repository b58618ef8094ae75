// DatabaseConnection against the fake Management API: check works out the session-pooler URL
// (so it is an input, known in previews), and leaves it out while the ref or password is
// unknown; diff changes exactly when the URL would; read sees a moved pooler; a deleted project
// reads as gone.
import { databaseConnectionProvider, type DatabaseConnectionInputs } from "../../infra/supabase";
import { UNKNOWN } from "../../infra/toolkit";
import { useFakeManagementApi } from "./helpers";

const ctx = useFakeManagementApi();
const provider = databaseConnectionProvider;

async function checked(inputs: Partial<DatabaseConnectionInputs>): Promise<DatabaseConnectionInputs> {
  const result = await provider.check!({} as DatabaseConnectionInputs, { connection: "", ...inputs } as DatabaseConnectionInputs);
  expect(result.failures).toEqual([]);
  return result.inputs as DatabaseConnectionInputs;
}

describe("DatabaseConnection", () => {
  it("check puts the project's session-pooler URL in the inputs", async () => {
    const project = ctx.fake.seedProject();
    const inputs = await checked({ projectRef: project.ref, dbPass: "pw" });
    expect(inputs.connection).toBe(`postgresql://postgres.${project.ref}:pw@${project.poolerHost}:5432/postgres?sslmode=require`);
  });

  it("check leaves the URL out (unknown in a preview) while the ref or the password is unknown", async () => {
    const project = ctx.fake.seedProject();
    expect(await checked({ projectRef: UNKNOWN, dbPass: "pw" })).not.toHaveProperty("connection");
    expect(await checked({ projectRef: project.ref, dbPass: UNKNOWN })).not.toHaveProperty("connection");
    expect(ctx.fake.requests).toEqual([]);
  });

  it("diff: no change for the same URL; a change for a new password or a moved pooler, never a replace", async () => {
    const project = ctx.fake.seedProject();
    const inputs = await checked({ projectRef: project.ref, dbPass: "pw" });
    const { id, outs } = (await provider.create!(inputs)) as { id: string; outs: DatabaseConnectionInputs };
    expect(id).toBe(project.ref);
    expect(await provider.diff!(id, outs, await checked({ projectRef: project.ref, dbPass: "pw" }))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await provider.diff!(id, outs, await checked({ projectRef: project.ref, dbPass: "new" }))).changes).toBe(true);
    ctx.fake.movePooler(project.ref);
    const moved = await checked({ projectRef: project.ref, dbPass: "pw" });
    expect(await provider.diff!(id, outs, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("read reports a moved pooler as drift, and a deleted project as gone", async () => {
    const project = ctx.fake.seedProject();
    const { id, outs } = (await provider.create!(await checked({ projectRef: project.ref, dbPass: "pw" }))) as { id: string; outs: DatabaseConnectionInputs };
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    ctx.fake.movePooler(project.ref);
    const read = await provider.read!(id, outs);
    expect(read.props?.connection).not.toBe(outs.connection);
    expect(read.props?.connection).toContain(ctx.fake.projects.get(project.ref)!.poolerHost);
    ctx.fake.deleteProjectOutOfBand(project.ref);
    expect(await provider.read!(id, outs)).toEqual({});
  });
});
