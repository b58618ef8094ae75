// The e2e suite's way to run the project: the test engine (tests/support/engine) on a state
// file of its own, for one stack with config set as `pulumi config set [--secret]` would.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../support/cluster";
import { Engine, EngineError, EngineOptions } from "../support/engine/engine";

export const STATE_PASSPHRASE = "e2e-state";

export interface StackEngine {
  stateFile: string;
  /**
   * An engine on this stack's state file, with `config` on top of databaseUrl. The runtime
   * type-checks only when asked (the first up does), like PULUMI_NODEJS_TRANSPILE_ONLY=true otherwise.
   */
  engine(config?: Record<string, string>, options?: Partial<EngineOptions>): Engine;
  /** The state file's text ("" before the first write). */
  stateText(): string;
  dispose(): Promise<void>;
}

export interface StackSettings {
  stack: string;
  config: Record<string, string>;
  secretConfig: string[];
  env?: NodeJS.ProcessEnv;
  /** The project folder (default: this checkout). */
  rootDirectory?: string;
}

/** Stack `local`, target postgres (its file's default), with `databaseUrl` set as a secret. */
export function postgresStack(databaseUrl: string): StackEngine {
  return projectStack({ stack: "local", config: { databaseUrl }, secretConfig: ["databaseUrl"] });
}

export function projectStack(settings: StackSettings): StackEngine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-stack-"));
  const stateFile = path.join(dir, "state.json");
  const engines: Engine[] = [];
  return {
    stateFile,
    engine: (config = {}, options = {}) => {
      const engine = new Engine({
        rootDirectory: settings.rootDirectory ?? REPO_ROOT,
        stack: settings.stack,
        stateFile,
        passphrase: STATE_PASSPHRASE,
        config: { ...settings.config, ...config },
        secretConfig: settings.secretConfig,
        env: settings.env,
        typeCheck: false,
        ...options,
      });
      engines.push(engine);
      return engine;
    },
    stateText: () => (fs.existsSync(stateFile) ? fs.readFileSync(stateFile, "utf8") : ""),
    dispose: async () => {
      for (const engine of engines) await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The EngineError an operation fails with (fails the test when it succeeds or fails otherwise). */
export async function engineFailure(operation: Promise<unknown>): Promise<EngineError> {
  const outcome = await operation.then(
    () => new Error("the operation succeeded; a failure was expected"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof EngineError)) throw outcome;
  return outcome;
}
