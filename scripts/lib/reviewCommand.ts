// The shared body of `npm run drift` and `npm run preview`: flags, the CLI check, the preview,
// and the report on stdout plus --json / --markdown files. Returns the exit code.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseFlags, usageText, UsageError } from "./args";
import { EngineReport, exitCodeFor, ReportMode } from "./engineEventReport";
import { PulumiCliMissingError } from "./pulumiCli";
import { previewStack, selectStack, StackSelectionError, validateStackName } from "./pulumiStack";
import { formatReportJson, formatReportMarkdown, formatReportText } from "./reportFormat";
import { maskSecrets } from "./secretMask";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const COMMON_FLAGS = {
  stack: { type: "string", description: "stack to check: dev, staging, prod or local (required)" },
  json: { type: "string", description: "also write the report as JSON to this file" },
  markdown: { type: "string", description: "also write the report as Markdown to this file (PR comments)" },
} as const;

const PREVIEW_FLAGS = {
  ...COMMON_FLAGS,
  refresh: { type: "boolean", description: "refresh from the live resources before previewing" },
} as const;

function writeReportFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, content);
}

/** A report for a run that failed before the engine said anything, so CI files still explain it. */
function failureReport(mode: ReportMode, stack: string, message: string): EngineReport {
  return { mode, stack, status: "error", changes: [], policies: [], errors: [{ severity: "error", message }], warnings: [] };
}

function writeFiles(report: EngineReport, files: { json?: string; markdown?: string }): void {
  if (files.json) writeReportFile(files.json, formatReportJson(report));
  if (files.markdown) writeReportFile(files.markdown, formatReportMarkdown(report));
}

export async function runReviewCommand(mode: ReportMode, argv: readonly string[], io: Io = processIo): Promise<number> {
  const flags = mode === "drift" ? COMMON_FLAGS : PREVIEW_FLAGS;
  const usage = usageText(mode, "--stack <name> [--json <file>] [--markdown <file>]" + (mode === "preview" ? " [--refresh]" : ""), flags);
  let values: { stack?: string; json?: string; markdown?: string; refresh?: boolean };
  try {
    const parsed = parseFlags(argv, flags, usage);
    if (parsed.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    values = parsed.values;
    if (!values.stack) throw new UsageError("--stack is required", usage);
    validateStackName(values.stack);
  } catch (error) {
    if (error instanceof UsageError || error instanceof StackSelectionError) {
      io.stderr(`${mode}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const stackName = values.stack;
  try {
    const stack = await selectStack(stackName);
    const report = await previewStack(stack, { mode, refresh: mode === "drift" || values.refresh === true });
    io.stdout(formatReportText(report));
    writeFiles(report, values);
    return exitCodeFor(report);
  } catch (error) {
    if (!(error instanceof PulumiCliMissingError || error instanceof StackSelectionError)) throw error;
    const message = maskSecrets(error.message);
    io.stderr(`${mode}: ${message}\n`);
    writeFiles(failureReport(mode, stackName, message), values);
    return 1;
  }
}

/** Entry point for scripts/drift.ts and scripts/preview.ts. */
export function main(mode: ReportMode): void {
  runReviewCommand(mode, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // The Automation API can leave a gRPC handle open; never let it hold the job.
      setTimeout(() => process.exit(code), 2_000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`${mode}: unexpected failure: ${maskSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
      process.exit(1);
    },
  );
}
