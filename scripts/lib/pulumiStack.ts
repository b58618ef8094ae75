// Drives the Pulumi CLI through the Automation API: selects a stack of this repository's project
// and runs a preview whose engine events feed an EngineEventCollector. Everything that needs a
// CLI is here; the report itself is built in engineEventReport.ts.
import * as path from "node:path";
import { CommandError, LocalWorkspace, PulumiCommand, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { EngineEventCollector, EngineReport, ReportMode, commandErrorMessage } from "./engineEventReport";
import { automationRootFor, PulumiCli, REPO_ROOT, resolvePulumiCli, VERSION_TIMEOUT_MS } from "./pulumiCli";

export const POLICY_PACK_DIR = path.join(REPO_ROOT, "policy");
/** The `local` stack keeps its state in a file backend, as `npm run up:local` does. */
export const LOCAL_STACK = "local";
export const LOCAL_STATE_DIR = path.join(REPO_ROOT, ".local", "pulumi-state");
/** The passphrase `npm run up:local` uses when none is set (scripts/up-local.ts): it guards only a loopback URL. */
export const LOCAL_PASSPHRASE = "local";
const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

export class StackSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackSelectionError";
  }
}

export function validateStackName(name: string): string {
  if (!STACK_NAME.test(name)) {
    throw new StackSelectionError(`--stack ${JSON.stringify(name)} is not a stack name; use dev, staging, prod, local or org/project/stack`);
  }
  return name;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Environment for the CLI: its folder first on PATH (language hosts live beside it); for `local`
 * the file backend and passphrase default of `npm run up:local`, so both see the same stack.
 */
function cliEnvironment(cli: PulumiCli, stackName: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${path.dirname(cli.path)}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (stackName === LOCAL_STACK) {
    if (!process.env.PULUMI_BACKEND_URL) env.PULUMI_BACKEND_URL = `file://${LOCAL_STATE_DIR}`;
    if (process.env.PULUMI_CONFIG_PASSPHRASE === undefined && process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
      env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    }
  }
  return env;
}

/** Resolves the CLI (PulumiCliMissingError without one) and selects an existing stack of the project. */
export async function selectStack(stackName: string, cli?: PulumiCli): Promise<Stack> {
  const resolved = cli ?? (await resolvePulumiCli());
  const envVars = cliEnvironment(resolved, stackName);
  // The CLI's language host is looked up on PATH by the CLI itself; the Automation API passes envVars to it.
  process.env.PATH = envVars.PATH;
  const pulumiCommand = await withTimeout(
    PulumiCommand.get({ root: automationRootFor(resolved.path) }),
    VERSION_TIMEOUT_MS,
    `${resolved.path} version`,
  );
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir: REPO_ROOT }, { pulumiCommand, envVars });
  } catch (error) {
    if (error instanceof StackNotFoundError) {
      throw new StackSelectionError(
        `stack ${stackName} does not exist in the current backend; check \`pulumi login\` / PULUMI_BACKEND_URL, ` +
          `or create it with \`pulumi stack init ${stackName}\``,
      );
    }
    if (error instanceof CommandError) throw new StackSelectionError(`selecting stack ${stackName} failed: ${commandErrorMessage(error)}`);
    throw error;
  }
}

export interface PreviewRun {
  mode: ReportMode;
  /** Refresh before previewing: always for drift, optional for preview. */
  refresh: boolean;
}

/**
 * Runs `pulumi preview` with the policy pack; drift adds `--refresh --expect-no-changes`.
 * (previewRefresh would show only refresh differences and cannot run policy packs; a refreshing
 * preview compares live state with the program, which is what drift means here.)
 */
export async function previewStack(stack: Stack, run: PreviewRun): Promise<EngineReport> {
  const collector = new EngineEventCollector(run.mode, stack.name);
  let commandError: unknown;
  try {
    await stack.preview({
      refresh: run.refresh,
      expectNoChanges: run.mode === "drift",
      policyPacks: [POLICY_PACK_DIR],
      onEvent: collector.onEvent,
    });
  } catch (error) {
    commandError = error;
  }
  return collector.report({ commandError });
}
