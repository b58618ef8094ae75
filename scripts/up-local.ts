// `npm run up:local`: the main job on the embedded default.
//
//   1. finds a Pulumi CLI (fails at once, with instructions, when there is none);
//   2. starts the embedded PostgreSQL 15 + pg_cron (scripts/local-postgres start);
//   3. uses a file backend under .local/pulumi-state and a passphrase secrets provider
//      (PULUMI_CONFIG_PASSPHRASE, default "local": it only guards a loopback URL);
//   4. selects (or creates) stack `local`, sets databaseUrl as a secret from the cluster,
//   5. runs `pulumi up --stack local --yes --refresh --policy-pack policy` (extra arguments are
//      passed on). --refresh reads every resource first, so drift made out of band (a cron job
//      altered, a grant revoked, a migration record deleted) is found and restored; a plain up
//      compares against the last recorded state only and would report no changes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCliMissingError, resolvePulumiCli } from "./lib/pulumiCli";

const REPO_ROOT = path.resolve(__dirname, "..");
const STATE_DIR = path.join(REPO_ROOT, ".local/pulumi-state");
const LOCAL_POSTGRES = path.join(REPO_ROOT, "scripts/local-postgres");
export const DEFAULT_LOCAL_PASSPHRASE = "local";

function run(command: string, args: string[], env: NodeJS.ProcessEnv, capture = false): string {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    // The command printed its own error; name the step (never its arguments: they may hold secrets).
    throw new Error(`${path.basename(command)} ${args[0] ?? ""} failed (exit ${result.status})`);
  }
  return capture ? result.stdout.trim() : "";
}

async function main(): Promise<number> {
  let cli;
  try {
    cli = await resolvePulumiCli();
  } catch (error) {
    if (!(error instanceof PulumiCliMissingError)) throw error;
    console.error(`up:local: ${error.message}`);
    console.error("up:local: nothing was started or changed. `npm test` runs everything that does not need the CLI.");
    return 1;
  }
  console.error(`up:local: using Pulumi ${cli.version} (${cli.source})`);

  run(LOCAL_POSTGRES, ["start"], process.env);
  const databaseUrl = run(LOCAL_POSTGRES, ["url"], process.env, true);

  fs.mkdirSync(STATE_DIR, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${STATE_DIR}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    env.PULUMI_CONFIG_PASSPHRASE = DEFAULT_LOCAL_PASSPHRASE;
  }
  run(cli.path, ["stack", "select", "local", "--create", "--secrets-provider", "passphrase"], env);
  run(cli.path, ["config", "set", "--secret", "--stack", "local", "databaseUrl", databaseUrl], env);
  run(cli.path, ["up", "--stack", "local", "--yes", "--refresh", "--policy-pack", "policy", ...process.argv.slice(2)], env);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`up:local: ${error.message}`);
    process.exit(1);
  },
);
