// A test engine for `pulumi up`, `preview`, `refresh` and `destroy` without the Pulumi CLI:
// the real program under Pulumi's own Node.js runtime (cmd/run, started with the arguments
// and environment pulumi-language-nodejs gives it), dynamic resources through the real
// dynamic-provider plugin, the policy pack through the analyzer plugin, state in a file.
// See README.md in this folder for what it does and what it leaves out.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { Diagnostic, PolicyAnalyzer } from "./policy";
import { configEnvironment, programLaunch, ProgramLaunch, stackConfig } from "./project";
import { DynamicProviderPlugin, ProviderError, RANDOM_PASSWORD_TYPE, RandomPasswordStandIn, ResourceProvider, ResourceRef } from "./providers";
import { DeployState, readStateFile, StateResource, writeStateFile } from "./state";
import { DeploymentStopped, LogEntry, MonitorServer, Registration, RegistrationAnswer } from "./monitor";
import { differingKeys, isSecret, markSecrets, Props, PROVIDER_KEY, reveal, revealProps, sameValue, withoutInternalKeys } from "./wire";

export type { DeployState, StateResource } from "./state";

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";
const STACK_TYPE = "pulumi:pulumi:Stack";
/** `pulumi up`'s default --parallel. */
const DEFAULT_PARALLEL = 16;

export type ChangeOp = "create" | "update" | "replace" | "delete";

export interface Change {
  name: string;
  type: string;
  op: ChangeOp;
}

export interface Drift {
  name: string;
  type: string;
  /** The property that differs; `id` when the object is gone. */
  property: string;
  /** What the state says. */
  old: unknown;
  /** What the live system says (`null` when gone). */
  new: unknown;
}

export interface EngineOptions {
  /** The project folder (Pulumi.yaml). */
  rootDirectory: string;
  stack: string;
  stateFile: string;
  /** Guards the secrets in the state file (the passphrase secrets provider's role). */
  passphrase: string;
  /** Config set on the stack on top of its files; keys without a namespace are the project's. */
  config?: Record<string, string>;
  /** Keys of `config` set with --secret. */
  secretConfig?: string[];
  /** Environment of the program and the plugins (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** `--policy-pack`: the analyzer the engine consults. */
  policy?: PolicyAnalyzer;
  /** false sets PULUMI_NODEJS_TRANSPILE_ONLY=true (the runtime then skips ts-node's type check). */
  typeCheck?: boolean;
  parallel?: number;
}

export interface OperationResult {
  changes: Change[];
  state: DeployState;
  /** Stack outputs in wire form (secrets wrapped). */
  outputs: Props;
  drift: Drift[];
  /** Policy diagnostics (advisory ones on success). */
  policy: Diagnostic[];
  /** What the program printed and logged, for checks that nothing secret leaks. */
  output: string;
}

/** A failed operation: what was done before the failure and the state recorded then. */
export class EngineError extends Error {
  /** The resource whose step failed, when a step failed. */
  readonly resource?: string;

  constructor(
    readonly cause: Error,
    readonly changes: Change[],
    readonly state: DeployState,
    readonly output: string,
    readonly policy: Diagnostic[] = [],
  ) {
    super(cause.message);
    this.name = "EngineError";
    if (cause instanceof ProviderError) this.resource = cause.resource;
  }
}

function qualifiedType(parentUrn: string | undefined, type: string): string {
  if (!parentUrn) return type;
  const parentType = parentUrn.split("::")[2];
  if (!parentType || parentType.endsWith(STACK_TYPE)) return type;
  return `${parentType}$${type}`;
}

function isError(value: unknown): value is Error {
  return typeof value === "object" && value !== null && typeof (value as Error).message === "string";
}

/** One run of the program against the engine: `up` (or preview with dryRun). */
class Deployment {
  readonly changes: Change[] = [];
  /** Resources registered in this run, in the order their steps finished. */
  readonly next: StateResource[] = [];
  readonly policy: Diagnostic[] = [];
  /** Old resources replaced create-before-delete: deleted once every step is done. */
  private readonly replaced: StateResource[] = [];
  private failure?: Error;
  stackOutputs: Props = {};

  constructor(
    private readonly engine: Engine,
    private readonly old: Map<string, StateResource>,
    private readonly dryRun: boolean,
  ) {}

  get failed(): Error | undefined {
    return this.failure;
  }

  urnOf(registration: Registration): string {
    const { stack, project } = this.engine.names;
    return `urn:pulumi:${stack}::${project}::${qualifiedType(registration.parent, registration.type)}::${registration.name}`;
  }

  async register(registration: Registration): Promise<RegistrationAnswer> {
    if (this.failure) throw new DeploymentStopped();
    const urn = this.urnOf(registration);
    if (!registration.custom) {
      this.record(registration, urn, undefined, registration.inputs, registration.inputs);
      return { urn, outputs: registration.inputs };
    }
    try {
      return await this.step(registration, urn);
    } catch (error) {
      if (!isError(error)) throw error;
      this.failure ??= error;
      throw new DeploymentStopped();
    }
  }

  registerOutputs(urn: string, outputs: Props): void {
    const resource = this.next.find((candidate) => candidate.urn === urn);
    if (resource) resource.outputs = outputs;
    if (urn.split("::")[2] === STACK_TYPE) this.stackOutputs = outputs;
  }

  private record(registration: Registration, urn: string, id: string | undefined, inputs: Props, outputs: Props): void {
    this.next.push({
      urn,
      type: registration.type,
      name: registration.name,
      custom: registration.custom,
      id,
      parent: registration.parent,
      inputs,
      outputs,
      dependencies: registration.dependencies,
      protect: registration.protect,
      retainOnDelete: registration.retainOnDelete,
      deleteBeforeReplace: registration.deleteBeforeReplace,
      additionalSecretOutputs: registration.additionalSecretOutputs,
    });
  }

  private async step(registration: Registration, urn: string): Promise<RegistrationAnswer> {
    const provider = await this.engine.providerFor(registration.type);
    const ref: ResourceRef = { urn, type: registration.type, name: registration.name };
    const old = this.old.get(urn);
    const checked = await provider.check(ref, old ? revealProps(old.inputs) : {}, revealProps(registration.inputs));
    if (checked.failures.length > 0) {
      throw new ProviderError("check", registration.name, checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; "));
    }
    const inputs = markSecrets(checked.inputs, registration.inputs, []);
    await this.analyze(registration, urn, inputs);
    const result = old ? await this.change(provider, ref, registration, old, checked.inputs) : await this.create(provider, ref, checked.inputs);
    const outputs = markSecrets(result.outputs, inputs, registration.additionalSecretOutputs);
    this.record(registration, urn, result.id, inputs, outputs);
    if (result.op) this.changes.push({ name: registration.name, type: registration.type, op: result.op });
    return { urn, id: result.id, outputs };
  }

  private async create(provider: ResourceProvider, ref: ResourceRef, inputs: Props) {
    // provider_plugin.go Create: without preview support the inputs are the state (id unknown).
    if (this.dryRun) return { op: "create" as const, id: undefined, outputs: inputs };
    return { op: "create" as const, ...(await provider.create(ref, inputs)) };
  }

  private async change(provider: ResourceProvider, ref: ResourceRef, registration: Registration, old: StateResource, inputs: Props) {
    const oldInputs = revealProps(old.inputs);
    const diff = await provider.diff(ref, old.id ?? "", oldInputs, revealProps(old.outputs), inputs);
    // DIFF_UNKNOWN: the engine compares the old and new inputs itself.
    const changed = diff.changes ?? differingKeys(oldInputs, inputs).length > 0;
    if (!changed) return { op: undefined, id: old.id, outputs: revealProps(old.outputs) };
    if (diff.replaces.length > 0) {
      if (old.protect) throw new ProviderError("replace", ref.name, `${ref.name} is protected; unprotect it (protect: false) to replace it`);
      if (this.dryRun) return { op: "replace" as const, id: undefined, outputs: inputs };
      if (diff.deleteBeforeReplace || registration.deleteBeforeReplace) {
        await this.engine.deleteResource(old);
      } else {
        this.replaced.push(old);
      }
      return { op: "replace" as const, ...(await provider.create(ref, inputs)) };
    }
    // provider_plugin.go Update: a provider without preview support (the dynamic-provider host
    // never sets supportsPreview) hands back the new inputs as the state; the SDK then resolves
    // every output that is not an input as unknown (sdk/nodejs/runtime/rpc.ts resolveProperties).
    if (this.dryRun) return { op: "update" as const, id: old.id, outputs: inputs };
    return { op: "update" as const, id: old.id, outputs: await provider.update(ref, old.id ?? "", revealProps(old.outputs), inputs, oldInputs) };
  }

  private async analyze(registration: Registration, urn: string, inputs: Props): Promise<void> {
    const analyzer = this.engine.options.policy;
    if (!analyzer) return;
    const diagnostics = await analyzer.analyze({ urn, ...registration, inputs: withoutInternalKeys(inputs) });
    this.policy.push(...diagnostics);
    const mandatory = diagnostics.filter((diagnostic) => diagnostic.mandatory);
    if (mandatory.length > 0) throw new PolicyViolation(mandatory);
  }

  /** After the program: stack policies, then deletes of replaced and removed resources, dependents first. */
  async finish(): Promise<void> {
    const analyzer = this.engine.options.policy;
    if (analyzer) {
      const diagnostics = await analyzer.analyzeStack(this.next);
      this.policy.push(...diagnostics);
      const mandatory = diagnostics.filter((diagnostic) => diagnostic.mandatory);
      if (mandatory.length > 0) throw new PolicyViolation(mandatory);
    }
    const kept = new Set(this.next.map((resource) => resource.urn));
    const removed = [...this.old.values()].filter((resource) => !kept.has(resource.urn));
    for (const resource of [...this.replaced, ...removed].reverse()) {
      if (!this.dryRun) await this.engine.deleteResource(resource);
      if (resource.custom && removed.includes(resource)) this.changes.push({ name: resource.name, type: resource.type, op: "delete" });
    }
  }

  /** The state after a failure: what finished is recorded, what was not reached keeps its old state. */
  partialState(): DeployState {
    const recorded = new Set(this.next.map((resource) => resource.urn));
    return { resources: [...this.next, ...[...this.old.values()].filter((resource) => !recorded.has(resource.urn))] };
  }
}

export class PolicyViolation extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`policy violations (mandatory):\n${diagnostics.map((diagnostic) => `  [${diagnostic.policy}] ${diagnostic.message}`).join("\n")}`);
    this.name = "PolicyViolation";
  }
}

interface ProgramExit {
  code: number | null;
  output: string;
  logs: LogEntry[];
}

export class Engine {
  readonly launch: ProgramLaunch;
  private plugin?: Promise<DynamicProviderPlugin>;
  private readonly random = new RandomPasswordStandIn();

  constructor(readonly options: EngineOptions) {
    this.launch = programLaunch(options.rootDirectory);
  }

  get names(): { stack: string; project: string } {
    return { stack: this.options.stack, project: this.launch.project };
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  readState(): DeployState {
    return readStateFile(this.options.stateFile, this.options.passphrase);
  }

  private writeState(state: DeployState): void {
    writeStateFile(this.options.stateFile, state, this.options.passphrase);
  }

  async providerFor(type: string): Promise<ResourceProvider> {
    if (type === RANDOM_PASSWORD_TYPE) return this.random;
    if (!type.startsWith(DYNAMIC_PREFIX)) throw new Error(`no provider plugin for ${type} in the test engine`);
    // The engine's address is not used by the dynamic provider; the CLI passes it all the same.
    this.plugin ??= DynamicProviderPlugin.start(this.launch.pwd, "127.0.0.1:0", this.env);
    return this.plugin;
  }

  async deleteResource(resource: StateResource): Promise<void> {
    if (!resource.custom) return;
    if (resource.protect) throw new ProviderError("delete", resource.name, `${resource.name} is protected; set protect: false and run up before deleting it`);
    if (resource.retainOnDelete) return;
    const provider = await this.providerFor(resource.type);
    await provider.delete({ urn: resource.urn, type: resource.type, name: resource.name }, resource.id ?? "", revealProps(resource.outputs), revealProps(resource.inputs));
  }

  /** Stops the plugins this engine started. */
  async close(): Promise<void> {
    const plugin = this.plugin;
    this.plugin = undefined;
    if (plugin) (await plugin.catch(() => undefined))?.stop();
  }

  /** Starts the program as pulumi-language-nodejs does and serves it until it exits. */
  private async runProgram(deployment: Deployment, dryRun: boolean): Promise<ProgramExit> {
    const monitor = await MonitorServer.start({
      register: (registration) => deployment.register(registration),
      registerOutputs: (urn, outputs) => deployment.registerOutputs(urn, outputs),
    });
    try {
      const { launch } = this;
      const config = stackConfig(launch.rootDirectory, this.options.stack, this.options.config, this.options.secretConfig);
      const runPath = path.dirname(require.resolve("@pulumi/pulumi/cmd/run", { paths: [launch.pwd] }));
      const args = [
        ...launch.nodeargs,
        runPath,
        ...["--monitor", monitor.address, "--engine", monitor.address, "--organization", "organization", "--project", launch.project],
        ...["--root-directory", launch.rootDirectory, "--stack", this.options.stack, "--pwd", launch.pwd],
        ...(dryRun ? ["--dry-run"] : []),
        ...["--parallel", String(this.options.parallel ?? DEFAULT_PARALLEL), launch.entry],
      ];
      const env: NodeJS.ProcessEnv = {
        ...this.env,
        ...configEnvironment(config),
        ...(launch.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
        ...(launch.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: launch.tsconfig } : {}),
        ...(this.options.typeCheck === false ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {}),
      };
      const child = spawn(process.execPath, args, { cwd: launch.pwd, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
      });
      // What `pulumi up` shows: the program's own output and the diagnostics it logged (debug
      // ones, which the SDK fills with whole RPC payloads, only show with --debug).
      const logged = monitor.logs
        .filter((entry) => entry.severity !== "debug")
        .map((entry) => `${entry.severity}: ${entry.message}`)
        .join("\n");
      return { code, output: `${output}${logged}`, logs: monitor.logs };
    } finally {
      monitor.stop();
    }
  }

  /** Reads every custom resource through its provider: the refreshed state and what drifted. */
  private async refreshState(state: DeployState): Promise<{ state: DeployState; drift: Drift[] }> {
    const drift: Drift[] = [];
    const resources: StateResource[] = [];
    for (const resource of state.resources) {
      if (!resource.custom) {
        resources.push(resource);
        continue;
      }
      const provider = await this.providerFor(resource.type);
      const ref = { urn: resource.urn, type: resource.type, name: resource.name };
      const live = await provider.read(ref, resource.id ?? "", revealProps(resource.inputs), revealProps(resource.outputs));
      if (!live.id) {
        drift.push({ name: resource.name, type: resource.type, property: "id", old: resource.id, new: null });
        continue;
      }
      const outputs = markSecrets(live.outputs, resource.outputs, resource.additionalSecretOutputs);
      for (const property of differingKeys(withoutInternalKeys(resource.outputs), withoutInternalKeys(outputs))) {
        drift.push({ name: resource.name, type: resource.type, property, old: reveal(resource.outputs[property]), new: reveal(outputs[property]) });
      }
      const inputs = live.inputs ? markSecrets(live.inputs, resource.inputs, []) : resource.inputs;
      resources.push({ ...resource, id: live.id, outputs, inputs });
    }
    return { state: { resources }, drift };
  }

  /** `pulumi refresh` (dryRun: `pulumi refresh --preview-only`, nothing written). */
  async refresh(options: { dryRun?: boolean } = {}): Promise<OperationResult> {
    const refreshed = await this.refreshState(this.readState());
    if (!options.dryRun) this.writeState(refreshed.state);
    return { changes: [], state: refreshed.state, outputs: stackOutputsOf(refreshed.state), drift: refreshed.drift, policy: [], output: "" };
  }

  /** `pulumi preview`: the program with --dry-run; no provider writes, no state written. */
  async preview(options: { refresh?: boolean } = {}): Promise<OperationResult> {
    return this.run({ dryRun: true, refresh: options.refresh ?? false });
  }

  /**
   * `pulumi up --yes [--refresh]`. With a policy pack it previews first, as `pulumi up` does
   * unless --skip-preview, so a mandatory violation stops it before any step.
   */
  async up(options: { refresh?: boolean } = {}): Promise<OperationResult> {
    if (this.options.policy) await this.run({ dryRun: true, refresh: options.refresh ?? false });
    return this.run({ dryRun: false, refresh: options.refresh ?? false });
  }

  private async run(options: { dryRun: boolean; refresh: boolean }): Promise<OperationResult> {
    let state = this.readState();
    let drift: Drift[] = [];
    if (options.refresh) ({ state, drift } = await this.refreshState(state));
    const deployment = new Deployment(this, new Map(state.resources.map((resource) => [resource.urn, resource])), options.dryRun);
    const exit = await this.runProgram(deployment, options.dryRun);
    const failure = deployment.failed ?? programFailure(exit);
    if (!failure) {
      try {
        await deployment.finish();
      } catch (error) {
        if (!isError(error)) throw error;
        return this.fail(error, deployment, exit.output, options.dryRun);
      }
    }
    if (failure) return this.fail(failure, deployment, exit.output, options.dryRun);
    const next: DeployState = { resources: deployment.next };
    if (!options.dryRun) this.writeState(next);
    return { changes: deployment.changes, state: next, outputs: deployment.stackOutputs, drift, policy: deployment.policy, output: exit.output };
  }

  /** Records what a failed update did (a preview did nothing) and throws. */
  private fail(error: Error, deployment: Deployment, output: string, dryRun: boolean): never {
    const state = dryRun ? this.readState() : deployment.partialState();
    if (!dryRun) this.writeState(state);
    const diagnostics = error instanceof PolicyViolation ? error.diagnostics : deployment.policy;
    throw new EngineError(error, dryRun ? [] : deployment.changes, state, output, diagnostics);
  }

  /** `pulumi destroy --yes`: every resource deleted, dependents first (protected ones stop it). */
  async destroy(): Promise<OperationResult> {
    const state = this.readState();
    const changes: Change[] = [];
    const remaining = [...state.resources];
    for (const resource of [...state.resources].reverse()) {
      try {
        await this.deleteResource(resource);
      } catch (error) {
        if (!isError(error)) throw error;
        this.writeState({ resources: remaining });
        throw new EngineError(error, changes, { resources: remaining }, "");
      }
      remaining.splice(remaining.indexOf(resource), 1);
      if (resource.custom) changes.push({ name: resource.name, type: resource.type, op: "delete" });
    }
    this.writeState({ resources: [] });
    return { changes, state: { resources: [] }, outputs: {}, drift: [], policy: [], output: "" };
  }
}

/** The program's own failure: its error logs (the runtime reports errors through Engine.Log). */
function programFailure(exit: ProgramExit): Error | undefined {
  if (exit.code === 0) return undefined;
  const errors = exit.logs.filter((entry) => entry.severity === "error").map((entry) => entry.message.trim());
  return new Error(`the program failed (exit ${String(exit.code)}): ${errors.join("\n") || exit.output.trim()}`);
}

function stackOutputsOf(state: DeployState): Props {
  return state.resources.find((resource) => resource.type === STACK_TYPE)?.outputs ?? {};
}

/** Stack outputs as `pulumi stack output` shows them: secret ones as "[secret]". */
export function displayOutputs(outputs: Props): Props {
  return Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, isSecret(value) ? "[secret]" : value]));
}

export { PROVIDER_KEY, sameValue };
