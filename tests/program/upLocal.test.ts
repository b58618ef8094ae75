// `npm run up:local` without and with a Pulumi CLI. The CLI is a recording stand-in (a shell
// script that logs its arguments and environment): what is checked is the exact sequence of
// commands up:local hands to the CLI, and that it starts the embedded database first.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, REPO_ROOT } from "../support/cluster";
import { withClient } from "../support/db";

const UP_LOCAL = path.join(REPO_ROOT, "scripts/up-local.ts");
const TS_NODE = path.join(REPO_ROOT, "node_modules/.bin/ts-node");
const LOCAL_POSTGRES = path.join(REPO_ROOT, "scripts/local-postgres");

interface Run {
  status: number | null;
  stderr: string;
}

function runUpLocal(env: NodeJS.ProcessEnv): Run {
  const result = spawnSync(TS_NODE, ["--transpile-only", UP_LOCAL], {
    cwd: REPO_ROOT,
    env: { ...env, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin:/usr/sbin:/sbin` },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr };
}

function temporaryDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe("npm run up:local", () => {
  it("without a Pulumi CLI: exits 1 at once with instructions, and starts nothing", () => {
    const clusterDir = temporaryDir("up-local-none-");
    try {
      const home = temporaryDir("up-local-home-");
      // HOME without a cached CLI; PULUMI_HOME likewise; the npm wrapper on PATH does not count.
      const run = runUpLocal({ HOME: home, PULUMI_HOME: path.join(home, ".pulumi"), LOCAL_PG_DIR: clusterDir });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("The Pulumi CLI is not installed.");
      expect(run.stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
      expect(run.stderr).toContain("nothing was started or changed");
      expect(fs.readdirSync(clusterDir)).toEqual([]);
    } finally {
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
  });

  it("with a CLI: starts the embedded database, then selects the stack, sets the secret URL and runs up --refresh with the policy pack", async () => {
    const clusterDir = temporaryDir("up-local-cluster-");
    const cliDir = temporaryDir("up-local-cli-");
    const log = path.join(cliDir, "calls.log");
    const cli = path.join(cliDir, "pulumi");
    fs.writeFileSync(
      cli,
      [
        "#!/bin/sh",
        `printf '%s|%s|%s\\n' "$*" "$PULUMI_BACKEND_URL" "$PULUMI_CONFIG_PASSPHRASE" >> '${log}'`,
        'if [ "$1" = version ]; then echo v3.200.0; fi',
        "exit 0",
      ].join("\n"),
      { mode: 0o755 },
    );
    const port = String(await freePort());
    const env = { HOME: os.homedir(), PULUMI_CLI_PATH: cli, LOCAL_PG_DIR: clusterDir, LOCAL_PG_PORT: port };
    try {
      const run = runUpLocal(env);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.stringContaining("using Pulumi 3.200.0") });
      const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
      const backend = `file://${path.join(REPO_ROOT, ".local/pulumi-state")}`;
      expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual([
        "version||",
        `stack select local --create --secrets-provider passphrase|${backend}|local`,
        `config set --secret --stack local databaseUrl ${url}|${backend}|local`,
        `up --stack local --yes --refresh --policy-pack policy|${backend}|local`,
      ]);
      // The database the stack was pointed at is up and bootstrapped.
      const roles = await withClient(url, async (client) => (await client.query("select 1 from pg_roles where rolname = 'supabase_auth_admin'")).rowCount);
      expect(roles).toBe(1);
    } finally {
      spawnSync(LOCAL_POSTGRES, ["stop"], { env: { ...process.env, LOCAL_PG_DIR: clusterDir } });
      fs.rmSync(clusterDir, { recursive: true, force: true });
      fs.rmSync(cliDir, { recursive: true, force: true });
    }
  });
});
