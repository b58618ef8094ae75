// The real Supabase CLI (npm `supabase`, exact-pinned) run the way a team runs it next to the
// stack: from a workdir whose supabase/migrations is the stack's migrations folder, against a
// database URL (`--db-url`, sslmode=disable locally).
//
// It never reaches the network: telemetry is off by its own switches (SUPABASE_TELEMETRY_DISABLED,
// DO_NOT_TRACK), the once-per-10-hours release check is satisfied by a fresh
// supabase/.temp/cli-latest (the CLI reads that file instead of asking GitHub), HOME is a
// throwaway folder, and HTTP(S)_PROXY point at a trap in this process that records any request
// the CLI would still send. Every run fails if the trap saw one.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { MIGRATIONS_DIR } from "../../infra/migrations";
import { REPO_ROOT } from "../support/cluster";
import { adminUrl, urlForDatabase, withClient } from "../support/db";

/** What supautils lets `postgres` do on Supabase for `db lint`, done here by the superuser. */
const PLPGSQL_CHECK_AS_PLATFORM = {
  create: "create extension if not exists plpgsql_check schema extensions",
  drop: "drop extension if exists plpgsql_check",
} as const;

const execFileAsync = promisify(execFile);

/** The pinned CLI's entry (package.json devDependencies `supabase`). */
const CLI_ENTRY = path.join(REPO_ROOT, "node_modules/supabase/dist/supabase.js");
/** What the CLI's release check would otherwise fetch; written fresh, it skips the check. */
const CLI_LATEST_FILE = "supabase/.temp/cli-latest";
const CLI_VERSION = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules/supabase/package.json"), "utf8")) as { version: string }).version;
/** A CLI run that takes longer than this is stuck (waiting on a prompt or the network). */
const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MigrationListRow {
  local: string;
  remote: string;
}

export interface LintIssue {
  level: string;
  message: string;
  detail?: string;
  context?: string;
  sqlState?: string;
}

export interface LintResult {
  function: string;
  issues: LintIssue[];
}

/** The same database as `url`, with sslmode=disable as the CLI needs against a local server. */
export function cliDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("sslmode", "disable");
  return parsed.toString();
}

/**
 * The superuser's URL of the database `url` names, for what only the platform may do (the
 * tests' fixtures, and standing in for supautils before a lint: see PLPGSQL_CHECK_AS_PLATFORM).
 */
export function superuserUrl(url: string): string {
  return urlForDatabase(adminUrl(), decodeURIComponent(new URL(url).pathname.slice(1)));
}

/** An HTTP proxy that answers 403 and remembers what was asked of it. */
async function startNetworkTrap(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(403).end();
  });
  server.on("connect", (request, socket) => {
    requests.push(`CONNECT ${request.url}`);
    // The CLI may reset the tunnel it was refused; that is the expected end, not a failure.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") requests.push(`CONNECT ${request.url}: ${error.message}`);
    });
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface CliOptions {
  /** The stack's migrations folder the workdir links to (default sql/migrations). */
  migrationsDir?: string;
  /** Turn telemetry and the release check off (default true; false only to show the trap works). */
  offline?: boolean;
}

export class SupabaseCli {
  private constructor(
    /** The project folder the CLI runs in (holds supabase/migrations). */
    readonly workdir: string,
    private readonly trap: Awaited<ReturnType<typeof startNetworkTrap>>,
    private readonly offline: boolean,
  ) {}

  /** A workdir whose supabase/migrations is a link to the migrations folder. */
  static async start(options: CliOptions = {}): Promise<SupabaseCli> {
    const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "supabase-cli-"));
    fs.mkdirSync(path.join(workdir, "supabase/.temp"), { recursive: true });
    fs.mkdirSync(path.join(workdir, "home"));
    fs.symlinkSync(options.migrationsDir ?? MIGRATIONS_DIR, path.join(workdir, "supabase/migrations"), "dir");
    return new SupabaseCli(workdir, await startNetworkTrap(), options.offline ?? true);
  }

  async close(): Promise<void> {
    await this.trap.close();
    fs.rmSync(this.workdir, { recursive: true, force: true });
  }

  private environment(): NodeJS.ProcessEnv {
    // Nothing inherited but PATH: no access token, API URL or proxy of the caller's reaches the CLI.
    const switches = this.offline ? { SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" } : {};
    return {
      PATH: process.env.PATH,
      HOME: path.join(this.workdir, "home"),
      ...switches,
      HTTP_PROXY: this.trap.url,
      HTTPS_PROXY: this.trap.url,
      NO_PROXY: "",
    };
  }

  /** Runs `supabase <args>`; the exit code is returned, not thrown. */
  async run(args: readonly string[]): Promise<CliResult> {
    if (this.offline) fs.writeFileSync(path.join(this.workdir, CLI_LATEST_FILE), `v${CLI_VERSION}`);
    let result: CliResult;
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [CLI_ENTRY, ...args], {
        cwd: this.workdir,
        env: this.environment(),
        timeout: CLI_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      result = { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof failed.code !== "number") throw error;
      result = { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
    if (this.trap.requests.length > 0) {
      const requests = this.trap.requests.splice(0).sort();
      throw new Error(`supabase ${args[0]} tried to reach the network: ${requests.join(", ")}`);
    }
    return result;
  }

  private async runOk(args: readonly string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.code !== 0) {
      // The database URL carries a password: name the command without it.
      const command = args.map((arg) => (arg.includes("://") ? "<db-url>" : arg)).join(" ");
      throw new Error(`supabase ${command} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
    }
    return result;
  }

  /** `supabase migration list`: one row per version, local and/or remote ("" when absent). */
  async migrationList(databaseUrl: string): Promise<MigrationListRow[]> {
    const { stdout } = await this.runOk(["migration", "list", "--output-format", "json", "--db-url", cliDatabaseUrl(databaseUrl)]);
    const parsed = JSON.parse(stdout) as { migrations?: MigrationListRow[] };
    if (!Array.isArray(parsed.migrations)) throw new Error(`supabase migration list printed no migrations: ${stdout}`);
    return parsed.migrations.map(({ local, remote }) => ({ local, remote }));
  }

  /** `supabase db push --dry-run`: the files it would push (none when the database is up to date). */
  async pushDryRun(databaseUrl: string): Promise<string[]> {
    const { stdout, stderr } = await this.runOk(["db", "push", "--dry-run", "--db-url", cliDatabaseUrl(databaseUrl)]);
    const output = `${stderr}\n${stdout}`;
    if (output.includes("Remote database is up to date")) return [];
    if (!output.includes("Would push these migrations")) throw new Error(`unexpected output of supabase db push --dry-run:\n${output}`);
    return output
      .split("\n")
      .map((line) => /^\s*•\s*(\S+\.sql)\s*$/.exec(line)?.[1])
      .filter((file): file is string => file !== undefined);
  }

  /** `supabase db push --yes`: applies and records every file the database does not have. */
  async push(databaseUrl: string): Promise<CliResult> {
    return this.runOk(["db", "push", "--yes", "--db-url", cliDatabaseUrl(databaseUrl)]);
  }

  /**
   * `supabase db lint -s <schemas> --level warning --fail-on warning`: the findings, and whether
   * the CLI failed on them. The CLI runs `set session role postgres`, then `create extension if
   * not exists plpgsql_check` in a transaction it rolls back. plpgsql_check is not a trusted
   * extension: on Supabase `postgres` may create it only because supautils lists it among its
   * privileged extensions. Without supautils, the platform's part is played by the superuser:
   * it creates the extension (in schema extensions, as the platform puts extensions) before the
   * lint, so the CLI's create is a no-op, and drops it afterwards, leaving the database as found.
   */
  async lint(databaseUrl: string, schemas: readonly string[]): Promise<{ code: number; results: LintResult[]; stderr: string }> {
    const args = ["db", "lint", "--db-url", cliDatabaseUrl(databaseUrl), "-s", schemas.join(","), "--level", "warning", "--fail-on", "warning"];
    const asPlatform = superuserUrl(databaseUrl);
    await withClient(asPlatform, (client) => client.query(PLPGSQL_CHECK_AS_PLATFORM.create));
    let result: CliResult;
    try {
      result = await this.run(args);
    } finally {
      await withClient(asPlatform, (client) => client.query(PLPGSQL_CHECK_AS_PLATFORM.drop));
    }
    const json = result.stdout.trim();
    if (result.code !== 0 && json === "") throw new Error(`supabase db lint exited with ${result.code}:\n${result.stderr}`);
    return { code: result.code, results: json === "" ? [] : (JSON.parse(json) as LintResult[]), stderr: result.stderr };
  }
}
