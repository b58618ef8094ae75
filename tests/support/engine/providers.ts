// The resource providers the engine drives. Dynamic resources go through Pulumi's own
// dynamic-provider plugin (@pulumi/pulumi/cmd/dynamic-provider), spawned like the CLI spawns
// pulumi-resource-pulumi-nodejs: it prints its port, then serves pulumirpc.ResourceProvider.
// It answers Configure with acceptSecrets=false, so every call gets revealed values and the
// engine marks secrets again on the way back. RandomPassword (@pulumi/random, a Go plugin that
// is not available here) is stood in for with the same inputs and output shape.
import type { ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { startPlugin } from "../plugin";
import { fromStruct, get, grpc, message, PROVIDER_KEY, providerGrpc, providerPb, ProtoMessage, Props, statusPb, toStruct, UNKNOWN } from "./wire";

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface DiffResult {
  /** undefined: the provider could not tell (the engine then compares inputs). */
  changes?: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
}

/** pulumirpc.ResourceProvider as the engine uses it; every value is revealed (no secret wrappers). */
export interface ResourceProvider {
  check(ref: ResourceRef, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }>;
  diff(ref: ResourceRef, id: string, oldInputs: Props, olds: Props, news: Props): Promise<DiffResult>;
  create(ref: ResourceRef, news: Props): Promise<{ id: string; outputs: Props }>;
  read(ref: ResourceRef, id: string, inputs: Props, outputs: Props): Promise<{ id?: string; outputs: Props; inputs?: Props }>;
  update(ref: ResourceRef, id: string, olds: Props, news: Props, oldInputs: Props): Promise<Props>;
  delete(ref: ResourceRef, id: string, outputs: Props, oldInputs: Props): Promise<void>;
}

/** A provider's error, as the engine reports it: the resource and the provider's message. */
export class ProviderError extends Error {
  constructor(
    readonly operation: string,
    readonly resource: string,
    detail: string,
  ) {
    super(`${operation} of ${resource} failed: ${detail}`);
    this.name = "ProviderError";
  }
}

/**
 * A create or update that made the object but failed to initialise it (pulumirpc.ErrorResourceInitFailed):
 * the engine keeps the object's id and properties in state, with the reasons (provider_plugin.go parseError,
 * step.go CreateStep.Apply StatusPartialFailure).
 */
export class InitError extends ProviderError {
  constructor(
    operation: string,
    resource: string,
    detail: string,
    readonly id: string,
    readonly properties: Props,
    readonly reasons: string[],
  ) {
    super(operation, resource, detail);
    this.name = "InitError";
  }
}

type GrpcError = Error & { details?: string; metadata?: { get(key: string): unknown[] } };
type UnaryCall = (request: unknown, callback: (error: GrpcError | null, response: ProtoMessage) => void) => void;

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/** The ErrorResourceInitFailed detail the dynamic-provider host's grpcResponseFromError attaches, if any. */
function initFailure(error: GrpcError): { id: string; properties: Props; reasons: string[] } | undefined {
  for (const packed of error.metadata?.get("grpc-status-details-bin") ?? []) {
    const status = statusPb.Status.deserializeBinary(packed as Uint8Array);
    for (const detail of status.getDetailsList()) {
      if (!detail.getTypeUrl().endsWith(INIT_FAILED_TYPE)) continue;
      const failed = (providerPb.ErrorResourceInitFailed as unknown as { deserializeBinary(bytes: Uint8Array): ProtoMessage }).deserializeBinary(detail.getValue_asU8());
      return { id: get<string>(failed, "Id"), properties: fromStruct(get(failed, "Properties")), reasons: get<string[]>(failed, "ReasonsList") };
    }
  }
  return undefined;
}

export class DynamicProviderPlugin implements ResourceProvider {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Record<string, unknown> & { close(): void },
    readonly stderr: () => string,
  ) {}

  /** Spawns the plugin in the program's folder (its node_modules) and configures it. */
  static async start(pwd: string, engineAddress: string, env: NodeJS.ProcessEnv): Promise<DynamicProviderPlugin> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [pwd] });
    const { child, port, stderr } = await startPlugin("the dynamic-provider plugin", entry, [engineAddress], { cwd: pwd, env });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const plugin = new DynamicProviderPlugin(child, client, stderr);
    await plugin.call("configure", message(providerPb.ConfigureRequest, { Args: toStruct({}), Acceptsecrets: true, Acceptresources: false }), "configure", "provider");
    return plugin;
  }

  private call(method: string, request: ProtoMessage, operation: string, resource: string): Promise<ProtoMessage> {
    return new Promise((resolve, reject) => {
      (this.client[method] as UnaryCall).call(this.client, request, (error, response) => {
        if (!error) return resolve(response);
        const detail = error.details || error.message;
        const partial = initFailure(error);
        reject(partial ? new InitError(operation, resource, detail, partial.id, partial.properties, partial.reasons) : new ProviderError(operation, resource, detail));
      });
    });
  }

  private static common(ref: ResourceRef): Record<string, unknown> {
    return { Urn: ref.urn, Type: ref.type, Name: ref.name };
  }

  async check(ref: ResourceRef, olds: Props, news: Props) {
    const request = message(providerPb.CheckRequest, { ...DynamicProviderPlugin.common(ref), Olds: toStruct(olds), News: toStruct(news) });
    const response = await this.call("check", request, "check", ref.name);
    const failures = get<ProtoMessage[]>(response, "FailuresList").map((failure) => ({
      property: get<string>(failure, "Property"),
      reason: get<string>(failure, "Reason"),
    }));
    return { inputs: fromStruct(get(response, "Inputs")), failures };
  }

  async diff(ref: ResourceRef, id: string, oldInputs: Props, olds: Props, news: Props): Promise<DiffResult> {
    const request = message(providerPb.DiffRequest, {
      ...DynamicProviderPlugin.common(ref),
      Id: id,
      Olds: toStruct(olds),
      News: toStruct(news),
      OldInputs: toStruct(oldInputs),
    });
    const response = await this.call("diff", request, "diff", ref.name);
    const changes = get<number>(response, "Changes");
    const { DIFF_SOME, DIFF_NONE } = providerPb.DiffResponse.DiffChanges;
    return {
      changes: changes === DIFF_SOME ? true : changes === DIFF_NONE ? false : undefined,
      replaces: get<string[]>(response, "ReplacesList"),
      deleteBeforeReplace: get<boolean>(response, "Deletebeforereplace"),
    };
  }

  async create(ref: ResourceRef, news: Props) {
    const request = message(providerPb.CreateRequest, { ...DynamicProviderPlugin.common(ref), Properties: toStruct(news), Preview: false });
    const response = await this.call("create", request, "create", ref.name);
    return { id: get<string>(response, "Id"), outputs: fromStruct(get(response, "Properties")) };
  }

  async read(ref: ResourceRef, id: string, inputs: Props, outputs: Props) {
    const request = message(providerPb.ReadRequest, { ...DynamicProviderPlugin.common(ref), Id: id, Properties: toStruct(outputs), Inputs: toStruct(inputs) });
    const response = await this.call("read", request, "read", ref.name);
    const liveInputs = get<{ toJavaScript(): Props } | undefined>(response, "Inputs");
    return { id: get<string>(response, "Id") || undefined, outputs: fromStruct(get(response, "Properties")), inputs: liveInputs ? fromStruct(liveInputs) : undefined };
  }

  async update(ref: ResourceRef, id: string, olds: Props, news: Props, oldInputs: Props) {
    const request = message(providerPb.UpdateRequest, {
      ...DynamicProviderPlugin.common(ref),
      Id: id,
      Olds: toStruct(olds),
      News: toStruct(news),
      OldInputs: toStruct(oldInputs),
      Preview: false,
    });
    return fromStruct(get(await this.call("update", request, "update", ref.name), "Properties"));
  }

  async delete(ref: ResourceRef, id: string, outputs: Props, oldInputs: Props) {
    const request = message(providerPb.DeleteRequest, { ...DynamicProviderPlugin.common(ref), Id: id, Properties: toStruct(outputs), OldInputs: toStruct(oldInputs) });
    await this.call("delete", request, "delete", ref.name);
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}

export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

const CHARSETS = { lower: "abcdefghijklmnopqrstuvwxyz", upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", numeric: "0123456789", special: "!@#$%&*()-_=+[]{}<>:?" };
const MINIMUMS = { lower: "minLower", upper: "minUpper", numeric: "minNumeric", special: "minSpecial" } as const;

/** A password as terraform-provider-random builds one: the minimums first, then any enabled class, shuffled. */
export function generatePassword(inputs: Props): string {
  const length = Number(inputs.length);
  if (!Number.isInteger(length) || length < 1) throw new Error("length must be a whole number of at least 1");
  const classes = (Object.keys(CHARSETS) as (keyof typeof CHARSETS)[]).filter((name) => inputs[name] !== false);
  const charset = (name: keyof typeof CHARSETS) => (name === "special" && typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : CHARSETS[name]);
  const pick = (chars: string) => chars[randomInt(chars.length)];
  const chars: string[] = [];
  for (const name of classes) for (let i = 0; i < Number(inputs[MINIMUMS[name]] ?? 0); i++) chars.push(pick(charset(name)));
  const all = classes.map(charset).join("");
  if (!all) throw new Error("at least one of lower, upper, numeric and special must be enabled");
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

/** Stand-in for @pulumi/random's RandomPassword: every input forces a replacement, `result` is generated. */
export class RandomPasswordStandIn implements ResourceProvider {
  private static readonly DEFAULTS: Props = { lower: true, upper: true, numeric: true, special: true, minLower: 0, minUpper: 0, minNumeric: 0, minSpecial: 0 };

  async check(_ref: ResourceRef, _olds: Props, news: Props) {
    const inputs = { ...RandomPasswordStandIn.DEFAULTS, ...news };
    const failures: CheckFailure[] = [];
    if (inputs.length === UNKNOWN || !Number.isInteger(inputs.length) || Number(inputs.length) < 1) failures.push({ property: "length", reason: "length must be a whole number of at least 1" });
    return { inputs, failures };
  }

  async diff(_ref: ResourceRef, _id: string, oldInputs: Props, _olds: Props, news: Props): Promise<DiffResult> {
    const keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(news)])].filter((key) => JSON.stringify(oldInputs[key]) !== JSON.stringify(news[key]));
    return { changes: keys.length > 0, replaces: keys, deleteBeforeReplace: false };
  }

  async create(_ref: ResourceRef, news: Props) {
    return { id: "none", outputs: { ...news, result: generatePassword(news) } };
  }

  async read(_ref: ResourceRef, id: string, _inputs: Props, outputs: Props) {
    return { id, outputs };
  }

  async update(): Promise<Props> {
    throw new Error("RandomPassword has no update: every change replaces it");
  }

  async delete(): Promise<void> {}
}

export { PROVIDER_KEY };
