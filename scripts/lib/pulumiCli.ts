// Finds a Pulumi CLI for `npm run drift|preview|plan --stack` and `npm run up:local`, in order:
//   1. PULUMI_CLI_PATH;
//   2. a real `pulumi` binary on PATH (not the npm wrapper that `npm run` puts in node_modules/.bin);
//   3. the npm wrapper package `pulumi` (a devDependency), which downloads the CLI on first use
//      into ~/.pulumi/versions/<version>/bin.
// Every step is bounded by a timeout, so a missing or unreachable CLI fails at once with
// instructions instead of hanging a CI job. Run directly (`ts-node scripts/lib/pulumiCli.ts`)
// it prints {"path","version"} as JSON, for shell scripts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const INSTALL_DOCS_URL = "https://www.pulumi.com/docs/install/";
/** `pulumi version` answers in well under a second; 20 s covers a cold, busy CI machine. */
export const VERSION_TIMEOUT_MS = 20_000;
/** The CLI archive is ~100 MB; five minutes, overridable with PULUMI_CLI_DOWNLOAD_TIMEOUT_MS. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 300_000;

export interface PulumiCli {
  /** Absolute path of the `pulumi` executable. */
  path: string;
  /** Without the leading "v", e.g. "3.265.0". */
  version: string;
  /** Where it was found, for messages. */
  source: "PULUMI_CLI_PATH" | "PATH" | "npm package pulumi";
}

export class PulumiCliMissingError extends Error {
  constructor(readonly attempts: string[]) {
    super(
      [
        "The Pulumi CLI is not installed and could not be downloaded.",
        "Why:",
        ...attempts.map((attempt) => `  - ${attempt}`),
        "How to get it:",
        `  - install it: ${INSTALL_DOCS_URL} (for example \`curl -fsSL https://get.pulumi.com | sh\`, then open a new shell);`,
        "  - or run on a machine with internet access, where `npx pulumi` (the npm package in devDependencies) downloads it on first use;",
        "  - or set PULUMI_CLI_PATH to an existing pulumi binary.",
      ].join("\n"),
    );
    this.name = "PulumiCliMissingError";
  }
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to look for node_modules/pulumi; the repository root by default. */
  repoRoot?: string;
  versionTimeoutMs?: number;
  downloadTimeoutMs?: number;
}

interface ExecFailure {
  killed?: boolean;
  signal?: string | null;
  code?: string | number | null;
  stderr?: string;
  message: string;
}

/** The last meaningful line a failed child wrote, or why it did not finish. */
function failureReason(error: unknown, timeoutMs: number): string {
  const failure = error as ExecFailure;
  if (failure.killed || failure.signal === "SIGKILL") return `gave up after ${Math.round(timeoutMs / 1000)} s`;
  if (failure.code === "ENOENT") return "not found";
  if (failure.code === "EACCES") return "not executable";
  const lines = (failure.stderr ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
  const last = lines.filter((line) => !line.startsWith("Downloading pulumi")).pop();
  return last ?? failure.message.split("\n")[0];
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch (error) {
    if (["ENOENT", "EACCES", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw error;
  }
}

/** Runs `<cli> version`; returns "3.x.y" or throws with the reason. */
async function cliVersion(cli: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cli, ["version"], {
      env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" },
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    const version = stdout.trim().replace(/^v/, "");
    if (!/^\d+\.\d+\.\d+/.test(version)) throw new Error(`\`${cli} version\` printed "${stdout.trim().slice(0, 80)}"`);
    return version;
  } catch (error) {
    throw new Error(`\`${cli} version\` failed: ${failureReason(error, timeoutMs)}`);
  }
}

/** The npm wrapper is a node script; any binary that resolves into node_modules is one. */
function isNpmWrapper(file: string): boolean {
  return fs.realpathSync(file).split(path.sep).includes("node_modules");
}

function pulumiBinariesOnPath(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    if (isExecutableFile(candidate) && !isNpmWrapper(candidate) && !found.includes(candidate)) found.push(candidate);
  }
  return found;
}

/**
 * Asks the npm package `pulumi` for its CLI (node_modules/pulumi/lib/resolve.js), in a child
 * process: its installer runs the install script synchronously, which no in-process timer can
 * interrupt, while a child can be killed.
 */
async function cliFromNpmWrapper(repoRoot: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  let resolveModule: string;
  try {
    resolveModule = require.resolve("pulumi/lib/resolve.js", { paths: [repoRoot] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    throw new Error("the npm package `pulumi` is not installed (run `npm ci`)");
  }
  const script = `
    require(${JSON.stringify(resolveModule)}).resolve().then(
      (bin) => process.stdout.write(JSON.stringify({ bin })),
      (error) => {
        const cause = error && error.cause && error.cause.message ? " (" + error.cause.message + ")" : "";
        process.stderr.write(String(error && error.message) + cause + "\\n");
        process.exit(1);
      });`;
  try {
    const { stdout } = await execFileAsync(process.execPath, ["-e", script], { env, timeout: timeoutMs, killSignal: "SIGKILL" });
    return (JSON.parse(stdout) as { bin: string }).bin;
  } catch (error) {
    throw new Error(`the npm package \`pulumi\` could not download the CLI: ${failureReason(error, timeoutMs)}`);
  }
}

function downloadTimeout(env: NodeJS.ProcessEnv, fallback: number): number {
  const configured = Number(env.PULUMI_CLI_DOWNLOAD_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : fallback;
}

export async function resolvePulumiCli(options: ResolveOptions = {}): Promise<PulumiCli> {
  const env = options.env ?? process.env;
  const versionTimeout = options.versionTimeoutMs ?? VERSION_TIMEOUT_MS;
  const attempts: string[] = [];

  const explicit = env.PULUMI_CLI_PATH?.trim();
  if (explicit) {
    // Set on purpose: a broken value is reported, not silently replaced by another CLI.
    const cli = path.resolve(explicit);
    if (!isExecutableFile(cli)) throw new PulumiCliMissingError([`PULUMI_CLI_PATH=${explicit} is not an executable file`]);
    try {
      return { path: cli, version: await cliVersion(cli, env, versionTimeout), source: "PULUMI_CLI_PATH" };
    } catch (error) {
      throw new PulumiCliMissingError([`PULUMI_CLI_PATH=${explicit}: ${(error as Error).message}`]);
    }
  }
  attempts.push("PULUMI_CLI_PATH is not set");

  const onPath = pulumiBinariesOnPath(env);
  for (const cli of onPath) {
    try {
      return { path: cli, version: await cliVersion(cli, env, versionTimeout), source: "PATH" };
    } catch (error) {
      attempts.push((error as Error).message);
    }
  }
  if (onPath.length === 0) attempts.push("no pulumi binary on PATH (only the npm wrapper, if any)");

  try {
    const cli = await cliFromNpmWrapper(options.repoRoot ?? REPO_ROOT, env, downloadTimeout(env, options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS));
    return { path: cli, version: await cliVersion(cli, env, versionTimeout), source: "npm package pulumi" };
  } catch (error) {
    attempts.push((error as Error).message);
  }
  throw new PulumiCliMissingError(attempts);
}

/**
 * The Automation API looks for `<root>/bin/pulumi`. A CLI that lives elsewhere gets a private
 * root under the temp folder with a `bin/pulumi` symlink to it.
 */
export function automationRootFor(cliPath: string): string {
  const dir = path.dirname(cliPath);
  if (path.basename(dir) === "bin" && path.basename(cliPath) === "pulumi") return path.dirname(dir);
  const root = path.join(os.tmpdir(), `supabase-analytics-pulumi-${createHash("sha256").update(cliPath).digest("hex").slice(0, 12)}`);
  fs.mkdirSync(path.join(root, "bin"), { recursive: true });
  const link = path.join(root, "bin", "pulumi");
  if (!fs.existsSync(link)) fs.symlinkSync(cliPath, link);
  return root;
}

if (require.main === module) {
  resolvePulumiCli().then(
    (cli) => process.stdout.write(`${JSON.stringify({ path: cli.path, version: cli.version })}\n`),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
