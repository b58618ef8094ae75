// What a reviewer sees on target supabase, with the Go engine's preview semantics (a previewed
// update of a dynamic resource gets back its new inputs only; its other outputs are unknown):
// a change under infra/supabase, a rotated Management API token and a project status drift
// each preview without any replace and without any update of a database resource, and the
// `up` that follows does what the preview said. Stack `dev` on a copy of the checkout, the
// fake Management API, the session pooler stand-in and a cluster of its own.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Change } from "../support/engine/engine";
import { FakeManagementApi, startFakeManagementApi } from "../support/fakeManagementApi";
import type { SessionPooler } from "../support/fakeManagementApi/pooler";
import { copyCheckout, editFile } from "./checkout";
import { OwnCluster, startOwnCluster } from "./ownCluster";
import { projectStack, StackEngine } from "./stackEngine";

/** Starting a cluster of its own (initdb and the bootstrap) on a busy machine. */
const CLUSTER_START_TIMEOUT = 180_000;
/** Guards against a hang (provisioning polls included); not a measurement. */
const RUN_TIMEOUT = 300_000;
/** The resources that store the Management API token; every other one is a database object. */
const API_RESOURCES = new Set(["project", "database-connection", "postgrest-config", "auth-hook-custom-access-token"]);

const ops = (changes: Change[]) => changes.map((change) => `${change.op} ${change.name}`).sort();

describe("previews on target supabase show what up will do", () => {
  let database: OwnCluster;
  let fake: FakeManagementApi;
  let pooler: SessionPooler;
  let stack: StackEngine;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-supabase-preview-"));
  const checkout = copyCheckout(path.join(workDir, "checkout"));
  const api = () => ({ "supabase:accessToken": fake.token, "supabase:apiUrl": fake.url });

  /** No replace, and nothing but Management API resources changing. */
  function expectApiUpdatesOnly(changes: Change[]): void {
    expect(changes.filter((change) => change.op !== "update" || !API_RESOURCES.has(change.name))).toEqual([]);
  }

  beforeAll(async () => {
    database = await startOwnCluster();
    fake = await startFakeManagementApi();
    pooler = await fake.startPooler(database.url);
    stack = projectStack({
      stack: "dev",
      config: {},
      secretConfig: ["supabase:accessToken"],
      env: { ...process.env, ...pooler.routeEnvironment(/\.pooler\.supabase\.com$/) },
      rootDirectory: checkout,
    });
    await stack.engine(api()).up();
  }, CLUSTER_START_TIMEOUT + RUN_TIMEOUT);
  afterAll(async () => {
    await stack?.dispose();
    await fake?.close();
    database?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it(
    "a change under infra/supabase that changes no behaviour previews no change at all",
    async () => {
      editFile(checkout, "infra/supabase/project.ts", /^/, "// A comment that changes no behaviour.\n");
      editFile(checkout, "infra/supabase/authHook.ts", /^/, "// Another one.\n");
      const preview = await stack.engine(api()).preview({ refresh: true });
      expect(preview.changes).toEqual([]);
      expect(preview.drift).toEqual([]);
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );

  it(
    "a rotated token previews the token stored by the Management API resources, no replace, no database update; up does exactly that",
    async () => {
      fake.rotateToken();
      const preview = await stack.engine(api()).preview();
      expectApiUpdatesOnly(preview.changes);
      expect(ops(preview.changes)).toEqual([...API_RESOURCES].map((name) => `update ${name}`).sort());
      const up = await stack.engine(api()).up();
      expect(ops(up.changes)).toEqual(ops(preview.changes));
      expect((await stack.engine(api()).preview({ refresh: true })).changes).toEqual([]);
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );

  it(
    "a project status drift previews an update of the project only; up --refresh waits for it and does exactly that",
    async () => {
      const [project] = [...fake.projects.values()];
      fake.setProjectStatus(project.ref, "COMING_UP");
      // Still coming up for the preview's read and the up's read; healthy at the up's wait.
      project.comingUpPolls = 3;
      const preview = await stack.engine(api()).preview({ refresh: true });
      expect(preview.drift.map((drift) => `${drift.name}.${drift.property}`)).toEqual(["project.status"]);
      expect(ops(preview.changes)).toEqual(["update project"]);
      const up = await stack.engine(api()).up({ refresh: true });
      expect(ops(up.changes)).toEqual(ops(preview.changes));
      expect(project.status).toBe("ACTIVE_HEALTHY");
      fake.assertNoViolations();
    },
    RUN_TIMEOUT,
  );
});
