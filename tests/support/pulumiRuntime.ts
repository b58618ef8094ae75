// Runs the real program (infra/program.ts) under Pulumi's mock runtime and records every
// registration the way the engine receives it: type, name, parent, dependencies, options,
// and which inputs were secret. tests/support/mockProgram.ts builds on it (answering every
// registration with its inputs), and graph tests call runUnderMocks directly. Real deploys do
// not use it: tests/support/deploy.ts runs the program under Pulumi's own runtime through the
// test engine (tests/support/engine/).
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../infra/config";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** Inputs with secrets unwrapped, as a dynamic provider receives them. */
  inputs: Record<string, unknown>;
  /** Top-level input keys whose values were secret Outputs. */
  secretInputs: string[];
  parent?: string;
  /** URNs this resource depends on (explicit dependsOn and the resources its inputs came from). */
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
}

export interface RegistrationResult {
  id?: string;
  state: Record<string, unknown>;
}

export type RegistrationHandler = (resource: RegisteredResource) => Promise<RegistrationResult>;

export interface ProgramRunOptions {
  stack: string;
  /** Stack config; keys without a namespace are taken as `supabase-analytics:<key>`. */
  config?: Record<string, string>;
  /** Config keys (as given in `config`) that are secret. */
  secretConfig?: string[];
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function secretValue(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Unwraps secrets at any depth, as the dynamic-provider host does (it does not accept secrets). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}

/** The outputs the engine keeps secret: additionalSecretOutputs, and outputs of secret inputs. */
export function secretOutputKeys(resource: RegisteredResource): string[] {
  return [...new Set([...resource.additionalSecretOutputs, ...resource.secretInputs])];
}

/** Marks those outputs secret, as the engine does before the SDK sees them. */
export function markSecretOutputs(resource: RegisteredResource, state: Record<string, unknown>): Record<string, unknown> {
  for (const key of secretOutputKeys(resource)) {
    if (key in state) state[key] = secretValue(state[key]);
  }
  return state;
}

function qualify(key: string): string {
  return key.includes(":") ? key : `${PROJECT}:${key}`;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getAdditionalsecretoutputsList(): string[];
}

interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
  newUrn(parent: string, type: string, name: string): string;
}

/**
 * Tracks registrations in flight, so a run can wait until the program has registered all it
 * will (registrations start whenever their inputs resolve, after the program function returned).
 */
class InFlight {
  private pending = new Set<Promise<unknown>>();
  private started = 0;

  track<T>(promise: Promise<T>): Promise<T> {
    this.started++;
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async settle(): Promise<void> {
    for (;;) {
      const before = this.started;
      await Promise.allSettled([...this.pending]);
      // Let the SDK resolve outputs and issue the registrations that were waiting on them.
      for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setTimeout(resolve, 2));
      if (this.pending.size === 0 && this.started === before) return;
    }
  }
}

async function resolveOutputs(outputs: unknown): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((outputs ?? {}) as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (pulumi.Output.isInstance(value)) {
      const output = value as pulumi.Output<unknown>;
      const [plain, secret] = await Promise.all([
        (output as unknown as { promise(): Promise<unknown> }).promise(),
        (output as unknown as { isSecret: Promise<boolean> }).isSecret,
      ]);
      if (plain !== undefined) resolved[key] = secret ? "[secret]" : plain;
    } else {
      resolved[key] = value;
    }
  }
  return resolved;
}

/**
 * Runs `program` under mocks for one stack, answering each registration with `handler`.
 * Returns every registration and the program's resolved outputs (secret ones as "[secret]").
 */
export async function runUnderMocks(
  options: ProgramRunOptions,
  handler: RegistrationHandler,
  program: () => unknown,
): Promise<ProgramRun> {
  const requests = new Map<string, RegisterRequest>();
  const resources: RegisteredResource[] = [];
  const inFlight = new InFlight();
  // Set once setMocks has created the monitor; registrations only start after that.
  const monitorRef: { current?: MockMonitorLike } = {};

  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) =>
      inFlight.track(
        (async () => {
          const request = requests.get(`${args.type}::${args.name}`);
          const parent = request?.getParent() || undefined;
          const secretInputs = Object.entries(args.inputs)
            .filter(([, value]) => isSecretValue(value))
            .map(([key]) => key);
          const resource: RegisteredResource = {
            urn: monitorRef.current!.newUrn(parent ?? "", args.type, args.name),
            type: args.type,
            name: args.name,
            custom: args.custom ?? true,
            inputs: unwrapSecrets(args.inputs) as Record<string, unknown>,
            secretInputs,
            parent,
            dependencies: request?.getDependenciesList() ?? [],
            protect: request?.getProtect() ?? false,
            retainOnDelete: request?.getRetainondelete() ?? false,
            additionalSecretOutputs: request?.getAdditionalsecretoutputsList() ?? [],
          };
          resources.push(resource);
          const result = await handler(resource);
          return { id: result.id, state: result.state };
        })(),
      ),
    call: (args) => args.inputs,
  };

  await pulumi.runtime.setMocks(mocks, PROJECT, options.stack, false);
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  monitorRef.current = monitor;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    requests.set(`${req.getType()}::${req.getName()}`, req);
    return registerResource(req, callback);
  };

  const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([key, value]) => [qualify(key), value]));
  pulumi.runtime.setAllConfig(config, (options.secretConfig ?? []).map(qualify));

  const outputs = program();
  await inFlight.settle();
  return { resources, outputs: await resolveOutputs(outputs) };
}
