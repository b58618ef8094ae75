// `pulumi up --refresh --yes` and `pulumi refresh` of the real program (target postgres),
// without the Pulumi CLI: the test engine in ./engine runs the program under Pulumi's own
// Node.js runtime and drives every dynamic resource through the real dynamic-provider plugin.
// State passes between calls as a value (written to a state file for each run, secrets
// encrypted there). The runtime skips ts-node's type check here (PULUMI_NODEJS_TRANSPILE_ONLY,
// as a user may set it); tests/e2e runs the type-checked path.
//
// Outside checks use `deploy` and `refresh`: keep their signatures.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./cluster";
import { Change, DeployState, displayOutputs, Drift, Engine, EngineError } from "../../tools/engine/engine";
import { writeStateFile } from "../../tools/engine/state";

export type { Change, ChangeOp, DeployState, Drift, StateResource } from "../../tools/engine/engine";

type Props = Record<string, unknown>;

/** Only guards the throwaway state files these helpers write. */
const STATE_PASSPHRASE = "test-engine-state";

export interface DeployOptions {
  databaseUrl: string;
  /** Extra stack config; keys without a namespace are `supabase-analytics:<key>`. */
  config?: Record<string, string>;
  /** The state a previous deploy returned; none means a new stack. */
  state?: DeployState;
  /** Stack name (default `local`). */
  stack?: string;
  /** Refresh before diffing, like `pulumi up --refresh` (default true). */
  refresh?: boolean;
}

export interface DeployResult {
  /** Stack outputs; secret ones as "[secret]", like `pulumi stack output`. */
  outputs: Props;
  state: DeployState;
  changes: Change[];
}

export class DeployError extends Error {
  /** The state after the failure: what succeeded is recorded, the rest keeps its old state. */
  state: DeployState = { resources: [] };

  constructor(
    readonly resource: string,
    readonly cause: Error,
    readonly changes: Change[],
  ) {
    super(`deploy failed at ${resource}: ${cause.message}`);
    this.name = "DeployError";
  }
}

/** An engine on a temporary state file holding `state`; removed when `fn` is done. */
async function withEngine<T>(options: { databaseUrl: string; state?: DeployState; stack?: string; config?: Record<string, string> }, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-state-"));
  const stateFile = path.join(dir, "state.json");
  if (options.state) writeStateFile(stateFile, options.state, STATE_PASSPHRASE);
  const engine = new Engine({
    rootDirectory: REPO_ROOT,
    stack: options.stack ?? "local",
    stateFile,
    passphrase: STATE_PASSPHRASE,
    config: { target: "postgres", ...(options.config ?? {}), databaseUrl: options.databaseUrl },
    secretConfig: ["databaseUrl"],
    typeCheck: false,
  });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `pulumi refresh --preview-only`: reads every resource of the state and lists each drifted
 * property with the state's value (`old`) and the live value (`new`).
 * `databaseUrl` names the database the state belongs to; the stored connections are used.
 */
export async function refresh(options: { databaseUrl: string; state: DeployState }): Promise<{ drift: Drift[]; state: DeployState }> {
  return withEngine(options, async (engine) => {
    const result = await engine.refresh({ dryRun: true });
    return { drift: result.drift, state: result.state };
  });
}

/** `pulumi up --refresh --yes` of the real program with target postgres against `databaseUrl`. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  return withEngine(options, async (engine) => {
    try {
      const result = await engine.up({ refresh: options.refresh !== false });
      return { outputs: displayOutputs(result.outputs), state: result.state, changes: result.changes };
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      const failure = new DeployError(error.resource ?? "the program", error, error.changes);
      failure.state = error.state;
      throw failure;
    }
  });
}
