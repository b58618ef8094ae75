// The body of `npm run plan`: flags, where the database URL comes from, the plan, and its
// text / Markdown / JSON renderings. Returns the exit code: 0 when the plan was printed, 1 when
// it could not be made (bad flags, bad migration files, --stack without a Pulumi CLI).
import * as fs from "node:fs";
import * as path from "node:path";
import { loadMigrations, MIGRATIONS_DIR, MigrationFileError } from "../../infra/migrations";
import { parseFlags, usageText, UsageError } from "./args";
import { planMigrations } from "./migrationPlan";
import { formatPlanMarkdown, formatPlanText } from "./planFormat";
import { PulumiCliMissingError, REPO_ROOT } from "./pulumiCli";
import { StackSelectionError, validateStackName } from "./pulumiStack";
import type { Io } from "./reviewCommand";
import { maskSecrets, redactUrl } from "./secretMask";
import { databaseOfStack } from "./stackDatabase";

const FLAGS = {
  "database-url": { type: "string", description: "PostgreSQL URL to read the applied history from (read only)" },
  stack: { type: "string", description: "read the database URL from this stack's config or outputs (needs the Pulumi CLI)" },
  markdown: { type: "string", description: "also write the plan as Markdown to this file (PR comments)" },
  json: { type: "string", description: "also write the plan as JSON to this file" },
} as const;

const USAGE = usageText("plan", "[--database-url <url> | --stack <name>] [--markdown <file>] [--json <file>]", FLAGS);

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, content);
}

interface Source {
  url?: string;
  note?: string;
  migrationsDir: string;
}

async function databaseSource(values: { "database-url"?: string; stack?: string }): Promise<Source> {
  if (values["database-url"] && values.stack) throw new UsageError("give either --database-url or --stack, not both", USAGE);
  if (values["database-url"]) return { url: values["database-url"], migrationsDir: MIGRATIONS_DIR };
  if (!values.stack) return { migrationsDir: MIGRATIONS_DIR };
  const found = await databaseOfStack(validateStackName(values.stack));
  const migrationsDir = found.migrationsDir ? path.resolve(REPO_ROOT, found.migrationsDir) : MIGRATIONS_DIR;
  return { url: found.url, note: found.reason, migrationsDir };
}

export async function runPlanCommand(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { values, help } = parseFlags(argv, FLAGS, USAGE);
    if (help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const source = await databaseSource(values);
    const local = loadMigrations(source.migrationsDir);
    const plan = await planMigrations(local, source.url, source.url ? redactUrl(source.url) : undefined);
    if (source.note && !plan.note) plan.note = source.note;
    io.stdout(formatPlanText(plan));
    if (values.markdown) writeFile(values.markdown, formatPlanMarkdown(plan));
    if (values.json) writeFile(values.json, `${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof MigrationFileError ||
      error instanceof PulumiCliMissingError ||
      error instanceof StackSelectionError
    ) {
      io.stderr(`plan: ${maskSecrets(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}
