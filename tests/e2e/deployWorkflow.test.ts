// The deploy workflow's own Pulumi commands, read from .github/workflows/deploy.yml and run in
// order through the test engine against the local stack, as GitHub runs a job's steps: the
// first failing step ends the job. pulumi/actions runs each `command` through the Automation
// API: `preview` is `pulumi preview`, `up` is `pulumi up --yes --skip-preview`; `policyPacks`
// is `--policy-pack`. An anon-granting migration (refused by a stack policy) is never applied.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/cluster";
import { Engine, EngineError } from "../../tools/engine/engine";
import { PolicyAnalyzer } from "../../tools/engine/policy";
import { startOwnCluster, OwnCluster } from "./ownCluster";
import { anonReachesAnalytics, migrationsWithAnonGrant, withoutAnonGrant } from "./anonMigration";
import { postgresStack } from "./stackEngine";

/** Guards against a hung runtime (and a cluster start on a busy machine); not a measurement. */
const RUN_TIMEOUT = 400_000;
const POLICY_PACK = "policy";

interface PulumiStep {
  command: string;
  stack: string;
  policyPacks: string[];
  refresh: boolean;
}

interface WorkflowStep {
  uses?: string;
  with?: Record<string, unknown>;
}

/** The pulumi/actions steps of one job, with every input this harness understands (others fail the test). */
function pulumiSteps(job: string): PulumiStep[] {
  const workflow = parse(fs.readFileSync(path.join(REPO_ROOT, ".github/workflows/deploy.yml"), "utf8")) as { jobs: Record<string, { steps: WorkflowStep[] }> };
  return workflow.jobs[job].steps
    .filter((step) => step.uses?.startsWith("pulumi/actions@"))
    .map((step) => {
      const { command, "stack-name": stack, policyPacks, refresh, ...others } = step.with ?? {};
      if (Object.keys(others).length > 0) throw new Error(`deploy.yml ${job}: pulumi/actions inputs this harness does not model: ${Object.keys(others).join(", ")}`);
      return { command: String(command), stack: String(stack), policyPacks: String(policyPacks ?? "").split(/\s+/).filter(Boolean), refresh: String(refresh) === "true" };
    });
}

/** One step as the Automation API runs it. */
async function runStep(engine: Engine, step: PulumiStep): Promise<void> {
  switch (step.command) {
    case "preview":
      await engine.preview({ refresh: step.refresh });
      return;
    case "up":
      await engine.up({ refresh: step.refresh, skipPreview: true });
      return;
    default:
      throw new Error(`deploy.yml: pulumi/actions command ${step.command} is not modelled here`);
  }
}

describe("the deploy workflow's Pulumi commands", () => {
  let cluster: OwnCluster;
  let policy: PolicyAnalyzer;
  let migrationsDir: string;

  beforeAll(async () => {
    [cluster, policy] = await Promise.all([startOwnCluster(), PolicyAnalyzer.start()]);
    migrationsDir = await migrationsWithAnonGrant({ adminUrl: cluster.adminUrl, deployerUrl: cluster.url });
  }, RUN_TIMEOUT);
  afterAll(() => {
    policy?.stop();
    cluster?.stop();
    if (migrationsDir) fs.rmSync(path.dirname(migrationsDir), { recursive: true, force: true });
  });

  it("every deploy job previews with the pack before its up", () => {
    for (const job of ["dev", "staging", "prod"]) {
      expect(pulumiSteps(job).map((step) => `${step.command} ${step.stack} ${step.policyPacks.join(",")}`)).toEqual([`preview ${job} ${POLICY_PACK}`, `up ${job} ${POLICY_PACK}`]);
    }
  });

  it(
    "an anon-granting migration stops the job at the preview: nothing reaches the database; without it the job deploys",
    async () => {
      const steps = pulumiSteps("dev");
      const stack = postgresStack(cluster.url);
      const engineFor = (step: PulumiStep, config: Record<string, string>) =>
        stack.engine(config, { policy: step.policyPacks.includes(POLICY_PACK) ? policy : undefined });
      try {
        // The job with the bad migration: the first failing step ends it.
        const ran: string[] = [];
        let failure: EngineError | undefined;
        for (const step of steps) {
          ran.push(step.command);
          failure = await runStep(engineFor(step, { migrationsDir }), step).then(
            () => undefined,
            (error: unknown) => {
              if (error instanceof EngineError) return error;
              throw error;
            },
          );
          if (failure) break;
        }
        expect(ran).toEqual(["preview"]);
        expect(failure?.policy.filter((diagnostic) => diagnostic.mandatory).map((diagnostic) => diagnostic.policy)).toEqual(["supabase-analytics-sql-security"]);
        expect(await anonReachesAnalytics(cluster.url)).toBe(false);
        expect(stack.stateText()).toBe("");

        // The same job without it runs to the end and deploys the stack.
        withoutAnonGrant(migrationsDir);
        for (const step of steps) await runStep(engineFor(step, { migrationsDir }), step);
        expect(stack.stateText()).toContain("migration-");
        expect(await anonReachesAnalytics(cluster.url)).toBe(false);
      } finally {
        await stack.dispose();
      }
    },
    RUN_TIMEOUT,
  );
});
