// squawk, the migration linter, over sql/migrations with the project's .squawk.toml: the
// folder is clean, and a new migration is held to every rule the config keeps.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { MIGRATIONS_DIR } from "../../infra/migrations";
import { REPO_ROOT } from "../support/cluster";

const execFileAsync = promisify(execFile);
/** The linux-x64 build (package.json optionalDependencies): the only one the registry here serves. */
const SQUAWK = path.join(REPO_ROOT, "node_modules/@squawk-cli/linux-x64/bin/squawk");
const CONFIG = path.join(REPO_ROOT, ".squawk.toml");

interface Finding {
  check_name: string;
  location: { path: string };
}

/** squawk over every .sql file of `dir` with the project's config: exit code and findings. */
async function squawk(dir: string): Promise<{ code: number; findings: Finding[] }> {
  const args = ["--config", CONFIG, "--reporter", "gitlab", path.join(dir, "*.sql")];
  try {
    const { stdout } = await execFileAsync(SQUAWK, args, { cwd: REPO_ROOT });
    return { code: 0, findings: JSON.parse(stdout) as Finding[] };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string };
    if (typeof failed.code !== "number" || !failed.stdout) throw error;
    return { code: failed.code, findings: JSON.parse(failed.stdout) as Finding[] };
  }
}

function summary(findings: Finding[]): string[] {
  return findings.map((finding) => `${path.basename(finding.location.path)}: ${finding.check_name}`);
}

/** A copy of sql/migrations plus one new file, as a pull request would bring it. */
function withNewMigration(name: string, sql: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "squawk-"));
  for (const file of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

const NEW_FILE = "29991231000000_lesson_completions_by_day.sql";
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function squawkWith(sql: string): Promise<{ code: number; findings: string[] }> {
  const dir = withNewMigration(NEW_FILE, sql);
  dirs.push(dir);
  const { code, findings } = await squawk(dir);
  return { code, findings: summary(findings) };
}

describe("squawk over sql/migrations", () => {
  it("finds nothing in the migrations as they are", async () => {
    expect(await squawk(MIGRATIONS_DIR)).toEqual({ code: 0, findings: [] });
  });

  it("fails a new migration that builds an index on public.lesson_completions without concurrently", async () => {
    const result = await squawkWith(
      "-- An index for per-day completion counts.\n" +
        "create index if not exists lesson_completions_completed_at_idx on public.lesson_completions (completed_at);\n",
    );
    expect(result).toEqual({ code: 1, findings: [`${NEW_FILE}: require-concurrent-index-creation`] });
  });

  it("passes the same index built concurrently in a no-transaction file", async () => {
    const result = await squawkWith(
      "-- An index for per-day completion counts.\n" +
        "-- migration: no-transaction\n" +
        "-- squawk-disable-assume-in-transaction\n" +
        "create index concurrently if not exists lesson_completions_completed_at_idx on public.lesson_completions (completed_at);\n",
    );
    expect(result).toEqual({ code: 0, findings: [] });
  });

  it("holds a new migration to the rules the applied files are excused from", async () => {
    const result = await squawkWith(
      "-- A counter and an index on an existing view.\n" +
        "alter table public.review_sessions add column if not exists breaks int;\n" +
        "create unique index if not exists summary_stats_again_key on analytics.summary_stats (id);\n",
    );
    expect(result.code).toBe(1);
    expect(result.findings.sort()).toEqual([`${NEW_FILE}: prefer-bigint-over-int`, `${NEW_FILE}: require-concurrent-index-creation`]);
  });
});

describe(".squawk.toml", () => {
  const config = fs.readFileSync(CONFIG, "utf8");

  /** The entries of a top-level array, each with the comment lines right above it. */
  function entries(key: string): { value: string; comment: string[] }[] {
    const block = new RegExp(`^${key} = \\[\\n([\\s\\S]*?)^\\]`, "m").exec(config);
    if (!block) throw new Error(`.squawk.toml has no ${key} array`);
    const result: { value: string; comment: string[] }[] = [];
    let comment: string[] = [];
    for (const line of block[1].split("\n").map((text) => text.trim())) {
      if (line.startsWith("#")) comment.push(line);
      else if (line.startsWith('"')) {
        // Consecutive entries share the comment above the first of them.
        result.push({ value: JSON.parse(line.replace(/,$/, "")) as string, comment });
      } else if (line === "") comment = [];
    }
    return result;
  }

  it("justifies every excluded rule and every excluded file in a comment", () => {
    for (const entry of [...entries("excluded_rules"), ...entries("excluded_paths")]) {
      expect({ entry: entry.value, justified: entry.comment.length > 0 }).toEqual({ entry: entry.value, justified: true });
    }
  });

  it("excludes only files that exist, and no new ones: the exceptions are for applied files", () => {
    const files = fs.readdirSync(MIGRATIONS_DIR);
    const firstNewVersion = "20261202100000";
    for (const entry of entries("excluded_paths")) {
      const file = entry.value.replace(/^\*\//, "");
      expect(files).toContain(file);
      expect(file < firstNewVersion).toBe(true);
    }
  });

  it("assumes the transaction the Migration resource opens around each file", () => {
    expect(config).toMatch(/^assume_in_transaction = true$/m);
  });
});
