// An engine-faithful deploy harness: runs the real program (infra/program.ts, target postgres)
// against a real database, without the Pulumi CLI.
//
// Its mock monitor does what the engine and the dynamic-provider host do for each registration:
// it turns the resource's serialized `__provider` text back into a provider object (with
// require-from-string, exactly like @pulumi/pulumi/cmd/dynamic-provider), calls `check`, then
// `create` for a new resource, or `diff` and `update` (or a replacement) against the previous
// state. State is kept between runs like a stack's; resources no longer registered are deleted
// with the provider code stored in their state. `deploy` refreshes first, like
// `pulumi up --refresh`, so drift made out of band is restored.
//
// Outside checks use `deploy` and `refresh`: keep their signatures.
import { runProgram } from "../../infra/program";
import { markSecretOutputs, ProgramRun, RegisteredResource, runUnderMocks, secretOutputKeys } from "./pulumiRuntime";
import { mockOutputs } from "./mockProgram";

const requireFromString = require("require-from-string") as (code: string) => { handler(): DynamicProvider };

const PROVIDER_KEY = "__provider";
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";

type Props = Record<string, unknown>;

interface DynamicProvider {
  check?(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: { property: string; reason: string }[] }>;
  diff?(id: string, olds: Props, news: Props): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read?(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  update?(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  delete?(id: string, props: Props): Promise<void>;
}

export interface StateResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Props;
  /** Outputs, including the serialized provider under `__provider`, as the engine stores them. */
  outputs: Props;
  retainOnDelete: boolean;
  /** Outputs that are secret in state (additionalSecretOutputs and secret inputs). */
  secretOutputs: string[];
}

export interface DeployState {
  resources: StateResource[];
}

export type ChangeOp = "create" | "update" | "replace" | "delete";

export interface Change {
  name: string;
  type: string;
  op: ChangeOp;
}

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

function isErrorLike(value: unknown): value is Error {
  return typeof value === "object" && value !== null && typeof (value as Error).message === "string";
}

const providers = new Map<string, DynamicProvider>();

/** Deserializes a provider the way the dynamic-provider host does, caching by its text. */
function loadProvider(serialized: unknown, resource: string): DynamicProvider {
  if (typeof serialized !== "string") throw new Error(`${resource}: no serialized ${PROVIDER_KEY} in its inputs`);
  let provider = providers.get(serialized);
  if (!provider) {
    provider = requireFromString(serialized).handler();
    providers.set(serialized, provider);
  }
  return provider;
}

function withoutProvider(props: Props): Props {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Props).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function differingKeys(a: Props, b: Props): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete(PROVIDER_KEY);
  return [...keys].filter((key) => stableJson(a[key]) !== stableJson(b[key])).sort();
}

/** One `pulumi up`: check, then create or diff+update/replace, per registration. */
class Engine {
  readonly changes: Change[] = [];
  readonly next: StateResource[] = [];
  private failure?: DeployError;

  constructor(private readonly previous: Map<string, StateResource>) {}

  async register(resource: RegisteredResource) {
    if (!resource.custom || !resource.type.startsWith(DYNAMIC_PREFIX)) return this.registerPlain(resource);
    const old = this.previous.get(resource.urn);
    if (this.failure) return this.skip(resource, old);
    try {
      return await this.apply(resource, old);
    } catch (error) {
      // Provider code loaded from its serialized text runs in Node's own realm, not jest's,
      // so its errors are not `instanceof Error` here.
      if (!isErrorLike(error)) throw error;
      this.failure ??= new DeployError(resource.name, error, this.changes);
      return this.skip(resource, old);
    }
  }

  throwIfFailed(): void {
    if (!this.failure) return;
    const recorded = new Set(this.next.map((resource) => resource.urn));
    const untouched = [...this.previous.values()].filter((resource) => !recorded.has(resource.urn));
    this.failure.state = { resources: [...this.next, ...untouched] };
    throw this.failure;
  }

  /** The engine stops starting steps after a failure; what is left keeps its old state. */
  private skip(resource: RegisteredResource, old?: StateResource) {
    if (old) this.next.push(old);
    return { id: old?.id ?? "", state: this.expose(resource, old?.outputs ?? resource.inputs) };
  }

  private registerPlain(resource: RegisteredResource) {
    const old = this.previous.get(resource.urn);
    const result = old ? { id: old.id, state: old.outputs } : mockOutputs(resource);
    if (resource.custom) {
      this.next.push({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        id: result.id ?? "",
        inputs: resource.inputs,
        outputs: result.state,
        retainOnDelete: resource.retainOnDelete,
        secretOutputs: [],
      });
    }
    return result;
  }

  private async apply(resource: RegisteredResource, old?: StateResource) {
    const provider = loadProvider(resource.inputs[PROVIDER_KEY], resource.name);
    const inputs = await this.check(provider, resource, old);
    let id: string;
    let outs: Props;
    if (!old) {
      ({ id, outs } = await this.create(provider, inputs));
      this.changes.push({ name: resource.name, type: resource.type, op: "create" });
    } else {
      const diff = provider.diff ? await provider.diff(old.id, old.outputs, inputs) : { changes: differingKeys(old.inputs, inputs).length > 0 };
      if (diff.changes === false) {
        ({ id, outs } = { id: old.id, outs: old.outputs });
      } else if (diff.replaces && diff.replaces.length > 0) {
        ({ id, outs } = await this.replace(provider, old, inputs, diff.deleteBeforeReplace ?? false));
        this.changes.push({ name: resource.name, type: resource.type, op: "replace" });
      } else {
        const result = provider.update ? await provider.update(old.id, old.outputs, inputs) : { outs: inputs };
        ({ id, outs } = { id: old.id, outs: { ...(result.outs ?? {}), [PROVIDER_KEY]: inputs[PROVIDER_KEY] } });
        this.changes.push({ name: resource.name, type: resource.type, op: "update" });
      }
    }
    const secretOutputs = secretOutputKeys(resource);
    this.next.push({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      id,
      inputs,
      outputs: outs,
      retainOnDelete: resource.retainOnDelete,
      secretOutputs,
    });
    return { id, state: this.expose(resource, outs) };
  }

  private async check(provider: DynamicProvider, resource: RegisteredResource, old?: StateResource): Promise<Props> {
    if (!provider.check) return resource.inputs;
    const result = await provider.check(old?.inputs ?? {}, resource.inputs);
    const failures = result.failures ?? [];
    if (failures.length > 0) {
      throw new Error(`check failed: ${failures.map((failure) => `${failure.property}: ${failure.reason}`).join("; ")}`);
    }
    return { ...(result.inputs ?? resource.inputs), [PROVIDER_KEY]: resource.inputs[PROVIDER_KEY] };
  }

  private async create(provider: DynamicProvider, inputs: Props): Promise<{ id: string; outs: Props }> {
    const result = await provider.create(inputs);
    return { id: result.id, outs: { ...(result.outs ?? {}), [PROVIDER_KEY]: inputs[PROVIDER_KEY] } };
  }

  /** Create-before-delete unless the provider asks otherwise; the old one goes with its stored code. */
  private async replace(provider: DynamicProvider, old: StateResource, inputs: Props, deleteFirst: boolean) {
    const oldProvider = loadProvider(old.outputs[PROVIDER_KEY], old.name);
    if (deleteFirst) await oldProvider.delete?.(old.id, old.outputs);
    const created = await this.create(provider, inputs);
    if (!deleteFirst) await oldProvider.delete?.(old.id, old.outputs);
    return created;
  }

  /** What the SDK sees: outputs without the provider text, secrets marked as the engine marks them. */
  private expose(resource: RegisteredResource, outputs: Props): Props {
    return markSecretOutputs(resource, withoutProvider(outputs));
  }

  /** Resources in the old state that the program no longer registers, dependents first. */
  async deleteRemoved(): Promise<void> {
    const kept = new Set(this.next.map((resource) => resource.urn));
    const removed = [...this.previous.values()].filter((resource) => !kept.has(resource.urn)).reverse();
    for (const resource of removed) {
      if (resource.type.startsWith(DYNAMIC_PREFIX) && !resource.retainOnDelete) {
        await loadProvider(resource.outputs[PROVIDER_KEY], resource.name).delete?.(resource.id, resource.outputs);
      }
      this.changes.push({ name: resource.name, type: resource.type, op: "delete" });
    }
  }
}

function deployConfig(options: DeployOptions): { config: Record<string, string>; secretConfig: string[] } {
  return {
    config: { target: "postgres", ...(options.config ?? {}), databaseUrl: options.databaseUrl },
    secretConfig: ["databaseUrl"],
  };
}

/** Reads every resource of a state through its stored provider: the refreshed state and what drifted. */
async function refreshState(state: DeployState): Promise<{ state: DeployState; drift: Drift[] }> {
  const drift: Drift[] = [];
  const resources: StateResource[] = [];
  for (const resource of state.resources) {
    if (!resource.type.startsWith(DYNAMIC_PREFIX)) {
      resources.push(resource);
      continue;
    }
    const provider = loadProvider(resource.outputs[PROVIDER_KEY], resource.name);
    if (!provider.read) {
      resources.push(resource);
      continue;
    }
    const result = await provider.read(resource.id, resource.outputs);
    if (!result.id) {
      drift.push({ name: resource.name, type: resource.type, property: "id", old: resource.id, new: null });
      continue;
    }
    const live: Props = { ...(result.props ?? {}), [PROVIDER_KEY]: resource.outputs[PROVIDER_KEY] };
    for (const property of differingKeys(resource.outputs, live)) {
      drift.push({ name: resource.name, type: resource.type, property, old: resource.outputs[property], new: live[property] });
    }
    resources.push({ ...resource, id: result.id, outputs: live, inputs: result.inputs ? { ...result.inputs, [PROVIDER_KEY]: resource.inputs[PROVIDER_KEY] } : resource.inputs });
  }
  return { state: { resources }, drift };
}

/**
 * `pulumi refresh` without writing: calls `read` on every resource of the state and lists each
 * drifted resource's property with the state's value (`old`) and the live value (`new`).
 * `databaseUrl` names the database the state belongs to; the stored connections are used.
 */
export async function refresh(options: { databaseUrl: string; state: DeployState }): Promise<{ drift: Drift[]; state: DeployState }> {
  return refreshState(options.state);
}

/** `pulumi up --refresh --yes` of the real program with target postgres against `databaseUrl`. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const previous = options.state && options.refresh !== false ? (await refreshState(options.state)).state : options.state;
  const engine = new Engine(new Map((previous?.resources ?? []).map((resource) => [resource.urn, resource])));
  const { config, secretConfig } = deployConfig(options);
  const run: ProgramRun = await runUnderMocks(
    { stack: options.stack ?? "local", config, secretConfig },
    (resource) => engine.register(resource),
    runProgram,
  );
  engine.throwIfFailed();
  await engine.deleteRemoved();
  return { outputs: run.outputs, state: { resources: engine.next }, changes: engine.changes };
}
