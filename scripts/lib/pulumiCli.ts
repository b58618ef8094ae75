// Finds a Pulumi CLI for `npm run drift|preview|plan --stack` and `npm run up:local`: the file
// PULUMI_CLI_PATH names, else a real `pulumi` binary on PATH (not the npm wrapper that `npm run`
// puts in node_modules/.bin, which would start a 100 MB download). Nothing is downloaded: a
// missing CLI fails at once with instructions, and `pulumi version` is bounded by a timeout, so a
// CI job never hangs on it. In CI, pulumi/actions installs the CLI.
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

export interface PulumiCli {
  /** Absolute path of the `pulumi` executable. */
  path: string;
  /** Without the leading "v", e.g. "3.265.0". */
  version: string;
  /** Where it was found, for messages. */
  source: "PULUMI_CLI_PATH" | "PATH";
}

export class PulumiCliMissingError extends Error {
  constructor(readonly attempts: string[]) {
    super(
      [
        "The Pulumi CLI is not installed.",
        "Why:",
        ...attempts.map((attempt) => `  - ${attempt}`),
        "How to get it:",
        `  - install it: ${INSTALL_DOCS_URL} (for example \`curl -fsSL https://get.pulumi.com | sh\`, then open a new shell);`,
        "  - in GitHub Actions, add the pulumi/actions step before this one (it installs the CLI);",
        "  - or set PULUMI_CLI_PATH to an existing pulumi binary.",
      ].join("\n"),
    );
    this.name = "PulumiCliMissingError";
  }
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  versionTimeoutMs?: number;
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
  return lines.pop() ?? failure.message.split("\n")[0];
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
  if (onPath.length === 0) attempts.push("no pulumi binary on PATH (the npm wrapper in node_modules/.bin does not count: it downloads the CLI)");
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
