// Every GitHub workflow, parsed: the Node line of package.json engines and .ci/run, the tests run
// through .ci/run (one install script for PostgreSQL and its extensions), the policy pack on every
// Pulumi operation, no secret printed, and only npm scripts that package.json defines.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { POLICY_PACK_DIR } from "../../scripts/lib/pulumiStack";

const REPO_ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS_DIR = path.join(REPO_ROOT, ".github/workflows");
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; engines: { node: string } };
const PACKAGE_SCRIPTS = Object.keys(PACKAGE_JSON.scripts);
// The one Node line: engines says `^24`, .ci/run installs `NODE_MAJOR=24`; the workflows must agree.
const NODE_MAJOR = /^\^(\d+)$/.exec(PACKAGE_JSON.engines.node)?.[1];
/** How a workflow runs the tests: the same entry point as CI everywhere. */
const CI_RUN = "bash .ci/run";
const CI_NODE_MAJOR = /^readonly NODE_MAJOR=(\d+)$/m.exec(fs.readFileSync(path.join(REPO_ROOT, ".ci/run"), "utf8"))?.[1];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  steps?: Step[];
  env?: Record<string, unknown>;
  uses?: string;
}
interface Workflow {
  on: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const files = fs.readdirSync(WORKFLOWS_DIR).filter((file) => /\.ya?ml$/.test(file));
const workflows: [string, Workflow][] = files.map((file) => [file, parse(fs.readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")) as Workflow]);

const SECRET_EXPRESSION = /\$\{\{[^}]*\bsecrets\./;
/** npm invocations that name a package.json script: `npm run x`, `npm run-script x`, `npm test`, `npm start`. */
const NPM_SCRIPT = /\bnpm\s+(?:run(?:-script)?\s+(?:-[-\w]+\s+)*([\w:.-]+)|(test|start|stop|restart)\b)/g;
/** Pulumi operations that evaluate the program and must run the policy pack. */
const PULUMI_CLI_OPERATION = /\bpulumi\s+(up|preview|update)\b/;
const POLICY_NPM_SCRIPTS = ["drift", "preview"];

function steps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
}

/** Every string in the document with the path of keys that leads to it. */
function strings(value: unknown, trail: string[] = []): { trail: string[]; text: string }[] {
  if (typeof value === "string") return [{ trail, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, [...trail, String(index)]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, inner]) => strings(inner, [...trail, key]));
  return [];
}

test("there are the three workflows the README documents", () => {
  expect(files.sort()).toEqual(["deploy.yml", "drift.yml", "preview.yml"]);
});

describe.each(workflows)("%s", (_file, workflow) => {
  test("every job runs on the project's Node line (actions/setup-node)", () => {
    expect(NODE_MAJOR).toBeDefined();
    expect(CI_NODE_MAJOR).toBe(NODE_MAJOR);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const setupNode = (job.steps ?? []).filter((step) => step.uses?.startsWith("actions/setup-node@"));
      expect({ job: name, setupNode: setupNode.length }).toEqual({ job: name, setupNode: 1 });
      expect({ job: name, version: String(setupNode[0].with?.["node-version"]) }).toEqual({ job: name, version: NODE_MAJOR });
      // Nothing runs node before setup-node chose the version.
      const index = (job.steps ?? []).indexOf(setupNode[0]);
      const early = (job.steps ?? []).slice(0, index).filter((step) => step.run !== undefined);
      expect({ job: name, early }).toEqual({ job: name, early: [] });
    }
  });

  test("every Pulumi operation passes the policy pack", () => {
    const operations: string[] = [];
    for (const step of steps(workflow)) {
      if (step.uses?.startsWith("pulumi/actions@") && step.with?.command !== undefined) {
        operations.push(`pulumi/actions ${String(step.with.command)}`);
        if (["up", "update", "preview"].includes(String(step.with.command))) {
          expect({ step: step.with, policyPacks: String(step.with.policyPacks ?? "").split(/\s+/) }).toEqual({
            step: step.with,
            policyPacks: expect.arrayContaining(["policy"]),
          });
        }
      }
      for (const line of (step.run ?? "").split("\n")) {
        if (PULUMI_CLI_OPERATION.test(line)) {
          operations.push(line.trim());
          expect(line).toMatch(/--policy-pack[ =]\.?\/?policy\b/);
        }
        for (const script of POLICY_NPM_SCRIPTS) {
          if (new RegExp(`\\bnpm run ${script}\\b`).test(line)) operations.push(line.trim());
        }
      }
    }
    expect(operations.length).toBeGreaterThan(0);
  });

  test("secrets only in env and with, never in a script, never echoed", () => {
    const secretEnvNames = new Set<string>();
    for (const { trail, text } of strings(workflow)) {
      if (!SECRET_EXPRESSION.test(text)) continue;
      const parentKey = trail[trail.length - 2];
      expect({ at: trail.join("."), parentKey }).toEqual({ at: trail.join("."), parentKey: expect.stringMatching(/^(env|with)$/) });
      if (parentKey === "env") secretEnvNames.add(trail[trail.length - 1]);
    }
    for (const step of steps(workflow)) {
      const script = step.run ?? "";
      expect(script).not.toMatch(SECRET_EXPRESSION);
      // xtrace would print every expanded command, secrets included.
      expect(script).not.toMatch(/\bset\s+-[a-z]*x/);
      for (const line of script.split("\n")) {
        if (!/\b(echo|printf|cat)\b/.test(line)) continue;
        for (const name of secretEnvNames) expect({ line, name }).toEqual({ line: expect.not.stringMatching(new RegExp(`\\$\\{?${name}\\b`)), name });
      }
    }
  });

  test("tests run through .ci/run, which installs PostgreSQL; no step installs packages or runs npm test itself", () => {
    for (const step of steps(workflow)) {
      const script = step.run ?? "";
      expect({ script, installs: /\bapt(-get)?\b|postgresql-1\d/.test(script) }).toEqual({ script, installs: false });
      expect({ script, npmTest: /\bnpm (test|run test)\b/.test(script) }).toEqual({ script, npmTest: false });
    }
  });

  test("refers only to npm scripts that package.json defines", () => {
    for (const step of steps(workflow)) {
      for (const match of (step.run ?? "").matchAll(NPM_SCRIPT)) {
        const script = match[1] ?? match[2];
        expect({ script, defined: PACKAGE_SCRIPTS.includes(script) }).toEqual({ script, defined: true });
      }
    }
  });
});

test("npm run drift and npm run preview run the repository's policy pack", () => {
  expect(POLICY_PACK_DIR).toBe(path.join(REPO_ROOT, "policy"));
  expect(fs.existsSync(path.join(POLICY_PACK_DIR, "PulumiPolicy.yaml"))).toBe(true);
});

describe("what each workflow is for", () => {
  const byFile = new Map(workflows);

  test("preview: pull requests; .ci/run (install, npm ci, npm test), then preview of dev and prod, posted as a comment", () => {
    const workflow = byFile.get("preview.yml")!;
    expect(Object.keys(workflow.on as object)).toEqual(["pull_request"]);
    const runs = steps(workflow).map((step) => step.run ?? "");
    const test = runs.findIndex((run) => run.trim() === CI_RUN);
    const preview = runs.findIndex((run) => /\bnpm run preview\b/.test(run));
    expect(test).toBeGreaterThanOrEqual(0);
    expect(preview).toBeGreaterThan(test);
    expect(runs[preview]).toMatch(/for stack in dev prod/);
    expect(runs.join("\n")).toMatch(/gh pr comment/);
  });

  test("drift: nightly and manual, a matrix of stacks, artifact on exit 2, failing job", () => {
    const workflow = byFile.get("drift.yml")!;
    const on = workflow.on as { schedule: { cron: string }[]; workflow_dispatch: unknown };
    expect(on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect("workflow_dispatch" in on).toBe(true);
    const job = workflow.jobs.drift as Job & { strategy: { matrix: { stack: string[] } } };
    expect(job.strategy.matrix.stack).toEqual(["dev", "staging", "prod"]);
    const upload = job.steps!.find((step) => step.uses?.startsWith("actions/upload-artifact@")) as Step & { if: string };
    expect(upload.if).toMatch(/exit-code == '2'/);
    expect(job.steps!.some((step) => /exit 1/.test(step.run ?? ""))).toBe(true);
  });

  test("deploy: main only; dev, then staging, then prod behind its GitHub environment", () => {
    const workflow = byFile.get("deploy.yml")!;
    expect((workflow.on as { push: { branches: string[] } }).push.branches).toEqual(["main"]);
    const jobs = workflow.jobs as Record<string, Job & { needs?: string; environment?: string }>;
    expect(jobs.staging.needs).toBe("dev");
    expect(jobs.prod.needs).toBe("staging");
    expect(jobs.prod.environment).toBe("prod");
    expect(jobs.test.steps!.map((step) => step.run).filter(Boolean)).toEqual([CI_RUN]);
    for (const stack of ["dev", "staging", "prod"]) {
      // The pack judges the whole stack in a preview before `up` (the Automation API's
      // --skip-preview) applies anything: tests/e2e/deployWorkflow.test.ts runs these commands.
      const pulumi = jobs[stack].steps!.filter((step) => step.uses?.startsWith("pulumi/actions@")).map((step) => step.with);
      expect(pulumi).toEqual([
        { command: "preview", "stack-name": stack, policyPacks: "policy" },
        { command: "up", "stack-name": stack, policyPacks: "policy" },
      ]);
    }
  });
});

describe("one install script", () => {
  const ciRun = fs.readFileSync(path.join(REPO_ROOT, ".ci/run"), "utf8");
  const install = fs.readFileSync(path.join(REPO_ROOT, ".ci/install-postgres"), "utf8");

  test(".ci/run installs PostgreSQL through .ci/install-postgres and nothing else", () => {
    expect(ciRun).toMatch(/^bash \.ci\/install-postgres$/m);
    expect(ciRun).not.toMatch(/\bapt(-get)?\b/);
  });

  test(".ci/install-postgres installs PostgreSQL 15, pg_cron and plpgsql_check (supabase db lint needs it)", () => {
    const packages = /^readonly PACKAGES=\(([^)]*)\)$/m.exec(install)?.[1].split(/\s+/);
    expect(packages).toEqual(["postgresql-15", "postgresql-15-cron", "postgresql-15-plpgsql-check"]);
    expect(install).toMatch(/apt-get install -y -qq "\$\{PACKAGES\[@\]\}"/);
  });
});
