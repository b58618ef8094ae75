// A test engine for `pulumi up`, `preview`, `refresh` and `destroy` without the Pulumi CLI:
// the real program under Pulumi's own Node.js runtime (cmd/run, started with the arguments
// and environment pulumi-language-nodejs gives it), dynamic resources through the real
// dynamic-provider plugin, the policy pack through the analyzer plugin, state in a file.
// See README.md in this folder for what it does and what it leaves out.
import { spawn } from "node:child_process";
import * as path from "node:path";
import pLimit from "p-limit";
import { Diagnostic, PolicyAnalyzer } from "./policy";
import { configEnvironment, programLaunch, ProgramLaunch, stackConfig } from "./project";
import { DynamicProviderPlugin, InitError, ProviderError, RANDOM_PASSWORD_TYPE, RandomPasswordStandIn, ResourceProvider, ResourceRef } from "./providers";
import { DeployState, readStateFile, StateResource, writeStateFile } from "./state";
import { DeploymentStopped, LogEntry, MonitorServer, Registration, RegistrationAnswer } from "./monitor";
import { Timeline, TimelineRecorder } from "./timeline";
import { differingKeys, isSecret, markSecrets, Props, PROVIDER_KEY, reveal, revealProps, sameValue, withoutInternalKeys } from "./wire";

export type { DeployState, StateResource } from "./state";
export type { Timeline } from "./timeline";

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";
const STACK_TYPE = "pulumi:pulumi:Stack";
/** --parallel: the CLI defaults to 4 × CPUs, 16 on a 4-vCPU CI runner. */
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
  /** `--parallel`: provider calls (reads, steps, deletes) at once, and the program's own limit (default 16). */
  parallel?: number;
}

export interface UpOptions {
  /** `--refresh`: read every resource first. */
  refresh?: boolean;
  /**
   * `--skip-preview`, as the Automation API and pulumi/actions run `up`: no preview first, so a
   * stack policy (AnalyzeStack) judges only after the steps and deletes are applied. Default: skip
   * unless a policy pack is given (see README.md, "up and its preview").
   */
  skipPreview?: boolean;
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
  /** When the phases of the (last) run happened, engine-side (the deploy bench reads it). */
  timeline?: Timeline;
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

/**
 * At most `limit` tasks at once: the Go engine's step executor runs steps on a pool of
 * --parallel workers (step_executor.go newStepExecutor/ExecuteParallel).
 */
export class Slots {
  private readonly limiter: pLimit.Limit;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`parallel must be a whole number of at least 1, not ${limit}`);
    this.limiter = pLimit(limit);
  }

  /** Runs `task` once fewer than `limit` run, in the order asked (p-limit, as the providers' session cap). */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.limiter(task);
  }
}

/**
 * Deletes `resources` dependents first, each as soon as everything that depends on it is gone,
 * up to the pool's limit (the antichains of step_generator.go ScheduleDeletes). A failure stops
 * the deletes of what the failed one depends on; the others finish. Resolves with the first error.
 */
async function deleteInOrder(resources: readonly StateResource[], slots: Slots, remove: (resource: StateResource) => Promise<void>): Promise<Error | undefined> {
  const done = new Map<string, Promise<void>>();
  // State order puts each resource after its dependencies: walking it backwards meets dependents first.
  for (const resource of [...resources].reverse()) {
    const dependents = resources.filter((other) => other !== resource && (other.dependencies.includes(resource.urn) || other.parent === resource.urn));
    const waitFor = dependents.map((dependent) => done.get(dependent.urn)).filter((promise): promise is Promise<void> => promise !== undefined);
    done.set(resource.urn, Promise.all(waitFor).then(() => slots.run(() => remove(resource))));
  }
  const outcomes = await Promise.allSettled(done.values());
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed && !isError(failed.reason)) throw failed.reason;
  return failed?.reason as Error | undefined;
}

/** One run of the program against the engine: `up` (or preview with dryRun). */
class Deployment {
  readonly changes: Change[] = [];
  /** Resources registered in this run, in the order their steps finished. */
  readonly next: StateResource[] = [];
  readonly policy: Diagnostic[] = [];
  /** Old resources replaced create-before-delete: deleted once every step is done. */
  private readonly replaced: StateResource[] = [];
  /** URNs of old resources deleted (removed from the program, or replaced delete-first). */
  private readonly deleted = new Set<string>();
  private failure?: Error;
  stackOutputs: Props = {};

  constructor(
    private readonly engine: Engine,
    private readonly old: Map<string, StateResource>,
    private readonly dryRun: boolean,
    private readonly slots: Slots,
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
    if (registration.type !== STACK_TYPE) {
      this.engine.recorder?.mark("firstRegistration");
      this.engine.recorder?.mark("lastRegistration", true);
    }
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

  private record(registration: Registration, urn: string, id: string | undefined, inputs: Props, outputs: Props, initErrors?: string[]): void {
    this.next.push({
      ...(initErrors && initErrors.length > 0 ? { initErrors } : {}),
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

  /** Check, Analyze, then the step itself, in one of the --parallel slots. */
  private async step(registration: Registration, urn: string): Promise<RegistrationAnswer> {
    const provider = await this.engine.providerFor(registration.type);
    const ref: ResourceRef = { urn, type: registration.type, name: registration.name };
    const old = this.old.get(urn);
    return this.slots.run(async () => {
      const checked = await provider.check(ref, old ? revealProps(old.inputs) : {}, revealProps(registration.inputs));
      if (checked.failures.length > 0) {
        throw new ProviderError("check", registration.name, checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; "));
      }
      const inputs = markSecrets(checked.inputs, registration.inputs, []);
      await this.analyze(registration, urn, inputs);
      const op = old ? "update" : "create";
      try {
        const result = old ? await this.change(provider, ref, registration, old, checked.inputs) : await this.create(provider, ref, checked.inputs);
        const outputs = markSecrets(result.outputs, inputs, registration.additionalSecretOutputs);
        this.record(registration, urn, result.id, inputs, outputs);
        if (result.op) this.changes.push({ name: registration.name, type: registration.type, op: result.op });
        this.engine.recorder?.mark("lastStepDone", true);
        return { urn, id: result.id, outputs };
      } catch (error) {
        // A partial failure: the object exists, so the state keeps it with its id, properties and
        // reasons (step.go CreateStep.Apply / UpdateStep.Apply on StatusPartialFailure); the step still fails.
        if (error instanceof InitError) {
          this.record(registration, urn, error.id || old?.id, inputs, markSecrets(error.properties, inputs, registration.additionalSecretOutputs), error.reasons);
          this.changes.push({ name: registration.name, type: registration.type, op });
        }
        throw error;
      }
    });
  }

  private async create(provider: ResourceProvider, ref: ResourceRef, inputs: Props) {
    // provider_plugin.go Create: without preview support the inputs are the state (id unknown).
    if (this.dryRun) return { op: "create" as const, id: undefined, outputs: inputs };
    return { op: "create" as const, ...(await provider.create(ref, inputs)) };
  }

  private async change(provider: ResourceProvider, ref: ResourceRef, registration: Registration, old: StateResource, inputs: Props) {
    const oldInputs = revealProps(old.inputs);
    const diff = await provider.diff(ref, old.id ?? "", oldInputs, revealProps(old.outputs), inputs);
    // DIFF_UNKNOWN: the engine compares the old and new inputs itself (step_generator.go diffResource).
    // A resource left with initialization errors gets an update even without a diff, to finish
    // initialising (step_generator.go continueStepsFromDiff, hasInitErrors).
    const changed = (diff.changes ?? differingKeys(oldInputs, inputs).length > 0) || (old.initErrors?.length ?? 0) > 0;
    if (!changed) return { op: undefined, id: old.id, outputs: revealProps(old.outputs) };
    if (diff.replaces.length > 0) {
      if (old.protect) throw new ProviderError("replace", ref.name, `${ref.name} is protected; unprotect it (protect: false) to replace it`);
      if (this.dryRun) return { op: "replace" as const, id: undefined, outputs: inputs };
      if (diff.deleteBeforeReplace || registration.deleteBeforeReplace) {
        await this.engine.deleteResource(old, false);
        this.deleted.add(old.urn);
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

  /**
   * After the program: deletes of replaced and removed resources, dependents first and in
   * parallel (a protected one fails, in a preview too: step.go DeleteStep.Apply), then the stack
   * policies over what the stack now is (deployment_executor.go Execute: performPostSteps, then
   * step_generator.go AnalyzeResources).
   */
  async finish(): Promise<void> {
    const kept = new Set(this.next.map((resource) => resource.urn));
    const removed = [...this.old.values()].filter((resource) => !kept.has(resource.urn));
    const failure = await deleteInOrder([...this.replaced, ...removed], this.slots, async (resource) => {
      await this.engine.deleteResource(resource, this.dryRun, removed.includes(resource));
      this.deleted.add(resource.urn);
      if (resource.custom && removed.includes(resource)) this.changes.push({ name: resource.name, type: resource.type, op: "delete" });
    });
    if (failure) throw failure;
    const analyzer = this.engine.options.policy;
    if (analyzer) {
      const diagnostics = await analyzer.analyzeStack(this.next);
      this.policy.push(...diagnostics);
      const mandatory = diagnostics.filter((diagnostic) => diagnostic.mandatory);
      if (mandatory.length > 0) throw new PolicyViolation(mandatory);
    }
  }

  /** The state after a failure: what finished is recorded, what was deleted is gone, the rest keeps its old state. */
  partialState(): DeployState {
    const recorded = new Set(this.next.map((resource) => resource.urn));
    const untouched = [...this.old.values()].filter((resource) => !recorded.has(resource.urn) && !this.deleted.has(resource.urn));
    return { resources: [...this.next, ...untouched] };
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
  /** The current operation's timeline. */
  recorder?: TimelineRecorder;

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
    if (type === RANDOM_PASSWORD_TYPE) return timedProvider(this.random, this.recorder);
    if (!type.startsWith(DYNAMIC_PREFIX)) throw new Error(`no provider plugin for ${type} in the test engine`);
    // The engine's address is not used by the dynamic provider; the CLI passes it all the same.
    this.plugin ??= this.startPlugin();
    return timedProvider(await this.plugin, this.recorder);
  }

  private async startPlugin(): Promise<DynamicProviderPlugin> {
    const recorder = this.recorder;
    const started = recorder?.now() ?? 0;
    const plugin = await DynamicProviderPlugin.start(this.launch.pwd, "127.0.0.1:0", this.env);
    if (recorder) recorder.timeline.pluginStartMs = recorder.now() - started;
    return plugin;
  }

  /**
   * A delete step (step.go DeleteStep.Apply): a protected resource fails it, in a preview too,
   * unless it is being replaced (protect was checked then); a preview calls no provider.
   */
  async deleteResource(resource: StateResource, dryRun = false, checkProtect = true): Promise<void> {
    if (!resource.custom) return;
    if (checkProtect && resource.protect) throw new ProviderError("delete", resource.name, `${resource.name} is protected; set protect: false and run up before deleting it`);
    if (dryRun || resource.retainOnDelete) return;
    const provider = await this.providerFor(resource.type);
    await provider.delete({ urn: resource.urn, type: resource.type, name: resource.name }, resource.id ?? "", revealProps(resource.outputs), revealProps(resource.inputs));
  }

  /** Stops the plugins this engine started. */
  async close(): Promise<void> {
    const plugin = this.plugin;
    this.plugin = undefined;
    if (plugin) await (await plugin.catch(() => undefined))?.stop();
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
      this.recorder?.mark("programStarted");
      const child = spawn(process.execPath, args, { cwd: launch.pwd, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
      });
      this.recorder?.mark("programExited");
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

  private slots(): Slots {
    return new Slots(this.options.parallel ?? DEFAULT_PARALLEL);
  }

  /**
   * Reads every custom resource through its provider, all at once up to --parallel
   * (deployment_executor.go refresh: ExecuteParallel of the refresh steps, no dependency order),
   * and classifies each through the provider's Diff of the refreshed state against the declared
   * inputs (step.go RefreshStep.Apply: diffResource with the new inputs/outputs as the olds and
   * the old inputs as the news, inverted), not by comparing outputs.
   */
  private async refreshState(state: DeployState, slots: Slots): Promise<{ state: DeployState; drift: Drift[] }> {
    const refreshed = await Promise.all(state.resources.map((resource) => (resource.custom ? slots.run(() => this.refreshOne(resource)) : { resource, drift: [] })));
    return {
      state: { resources: refreshed.flatMap((entry) => (entry.resource ? [entry.resource] : [])) },
      drift: refreshed.flatMap((entry) => entry.drift),
    };
  }

  private async refreshOne(resource: StateResource): Promise<{ resource?: StateResource; drift: Drift[] }> {
    const provider = await this.providerFor(resource.type);
    const ref = { urn: resource.urn, type: resource.type, name: resource.name };
    const drift = (property: string, old: unknown, live: unknown): Drift => ({ name: resource.name, type: resource.type, property, old, new: live });
    let live: { id?: string; outputs: Props; inputs?: Props; initErrors?: string[] };
    try {
      live = await provider.read(ref, resource.id ?? "", revealProps(resource.inputs), revealProps(resource.outputs));
    } catch (error) {
      // Unhealthy, not failed: the refresh keeps the object and its reasons (step.go RefreshStep.Apply).
      if (!(error instanceof InitError)) throw error;
      live = { id: error.id || resource.id, outputs: error.properties, initErrors: error.reasons };
    }
    if (!live.id) return { drift: [drift("id", resource.id, null)] };
    const outputs = markSecrets(live.outputs, resource.outputs, resource.additionalSecretOutputs);
    const inputs = live.inputs ? markSecrets(live.inputs, resource.inputs, []) : resource.inputs;
    const next: StateResource = { ...resource, id: live.id, outputs, inputs, ...(live.initErrors ? { initErrors: live.initErrors } : {}) };
    const declared = revealProps(resource.inputs);
    const diff = await provider.diff(ref, live.id, revealProps(inputs), revealProps(outputs), declared);
    const changed = diff.changes ?? differingKeys(revealProps(inputs), declared).length > 0;
    if (!changed) return { resource: next, drift: [] };
    // Dynamic providers name no properties in their Diff: show the outputs that moved, else the
    // declared inputs the live state disagrees with.
    const moved = differingKeys(withoutInternalKeys(resource.outputs), withoutInternalKeys(outputs));
    const properties = moved.length > 0 ? moved : differingKeys(withoutInternalKeys(declared), withoutInternalKeys(revealProps(outputs))).filter((key) => key in declared);
    const entries = properties.map((property) =>
      moved.length > 0 ? drift(property, reveal(resource.outputs[property]), reveal(outputs[property])) : drift(property, declared[property], reveal(outputs[property])),
    );
    return { resource: next, drift: entries.length > 0 ? entries : [drift("*", undefined, undefined)] };
  }

  /** `pulumi refresh` (dryRun: `pulumi refresh --preview-only`, nothing written). */
  async refresh(options: { dryRun?: boolean } = {}): Promise<OperationResult> {
    return this.operation(() => this.refreshOnly(options));
  }

  private async refreshOnly(options: { dryRun?: boolean }): Promise<OperationResult> {
    const refreshed = await this.refreshState(this.readState(), this.slots());
    if (!options.dryRun) this.writeState(refreshed.state);
    return { changes: [], state: refreshed.state, outputs: stackOutputsOf(refreshed.state), drift: refreshed.drift, policy: [], output: "" };
  }

  /** `pulumi preview`: the program with --dry-run; no provider writes, no state written. */
  async preview(options: { refresh?: boolean } = {}): Promise<OperationResult> {
    return this.run({ dryRun: true, refresh: options.refresh ?? false });
  }

  /**
   * `pulumi up --yes [--refresh] [--skip-preview]`. Without skipPreview it previews first, as
   * `pulumi up` does, so a mandatory violation (or a failed check) stops it before any step.
   * skipPreview defaults to true without a policy pack (README.md, "up and its preview").
   */
  async up(options: UpOptions = {}): Promise<OperationResult> {
    const refresh = options.refresh ?? false;
    if (!(options.skipPreview ?? !this.options.policy)) await this.run({ dryRun: true, refresh });
    return this.run({ dryRun: false, refresh });
  }

  private async run(options: { dryRun: boolean; refresh: boolean }): Promise<OperationResult> {
    return this.operation(() => this.runProgramOperation(options));
  }

  /**
   * One engine operation. Its plugins stop at its end, as the CLI's do: each engine operation
   * (a preview, an update, a refresh, a destroy; `pulumi up` runs two) makes its own deployment
   * context and closes it when done (pkg/engine/update.go, destroy.go: newDeploymentContext,
   * `defer info.Close()`), and closing the plugin context closes the plugins its host started
   * (sdk/go/common/resource/plugin/context.go). So nothing a provider kept open, such as idle
   * pooled sessions, outlives the operation.
   */
  private async operation<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      await this.close();
    }
  }

  private async runProgramOperation(options: { dryRun: boolean; refresh: boolean }): Promise<OperationResult> {
    const recorder = new TimelineRecorder();
    this.recorder = recorder;
    const slots = this.slots();
    let state = this.readState();
    let drift: Drift[] = [];
    if (options.refresh) {
      ({ state, drift } = await this.refreshState(state, slots));
      recorder.mark("refreshed");
    }
    const deployment = new Deployment(this, new Map(state.resources.map((resource) => [resource.urn, resource])), options.dryRun, slots);
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
    recorder.mark("done");
    return { changes: deployment.changes, state: next, outputs: deployment.stackOutputs, drift, policy: deployment.policy, output: exit.output, timeline: recorder.timeline };
  }

  /** Records what a failed update did (a preview did nothing) and throws. */
  private fail(error: Error, deployment: Deployment, output: string, dryRun: boolean): never {
    const state = dryRun ? this.readState() : deployment.partialState();
    if (!dryRun) this.writeState(state);
    const diagnostics = error instanceof PolicyViolation ? error.diagnostics : deployment.policy;
    throw new EngineError(error, dryRun ? [] : deployment.changes, state, output, diagnostics);
  }

  /**
   * `pulumi destroy --yes [--skip-preview]`: every resource deleted, dependents first, in
   * parallel. The preview it runs first fails on a protected resource, so nothing is deleted
   * (pkg/cmd/pulumi destroy previews unless --skip-preview; step.go DeleteStep.Apply refuses a
   * protected resource in a preview too).
   */
  async destroy(options: { skipPreview?: boolean } = {}): Promise<OperationResult> {
    return this.operation(() => this.destroyAll(options));
  }

  private async destroyAll(options: { skipPreview?: boolean }): Promise<OperationResult> {
    const state = this.readState();
    const slots = this.slots();
    if (!options.skipPreview) {
      const failure = await deleteInOrder(state.resources, slots, (resource) => this.deleteResource(resource, true));
      if (failure) throw new EngineError(failure, [], state, "");
    }
    const changes: Change[] = [];
    const remaining = new Set(state.resources);
    const failure = await deleteInOrder(state.resources, slots, async (resource) => {
      await this.deleteResource(resource);
      remaining.delete(resource);
      if (resource.custom) changes.push({ name: resource.name, type: resource.type, op: "delete" });
    });
    const left = { resources: state.resources.filter((resource) => remaining.has(resource)) };
    this.writeState(left);
    if (failure) throw new EngineError(failure, changes, left, "");
    return { changes, state: left, outputs: {}, drift: [], policy: [], output: "" };
  }
}

/** `provider` with each call counted and timed on `recorder` (as is without one). */
function timedProvider(provider: ResourceProvider, recorder: TimelineRecorder | undefined): ResourceProvider {
  if (!recorder) return provider;
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        recorder.count(String(property));
        return recorder.busy(() => (value as (...callArgs: unknown[]) => Promise<unknown>).apply(target, args));
      };
    },
  });
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
