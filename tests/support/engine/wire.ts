// Pulumi's wire format, shared by the monitor, the provider client and the analyzer: the
// generated gRPC modules of @pulumi/pulumi (loaded with the same @grpc/grpc-js and
// google-protobuf instances they were built with), google.protobuf.Struct conversion, and the
// sentinels for secrets and unknowns inside property values.
import * as path from "node:path";

const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/resource_grpc_pb"));
const fromProtoDir = (id: string) => require(require.resolve(id, { paths: [protoDir] }));

/** @grpc/grpc-js as the generated service definitions use it. */
export const grpc = fromProtoDir("@grpc/grpc-js") as typeof import("@grpc/grpc-js");

/** A generated protobuf message: setters/getters by field name, plus toObject. */
export interface ProtoMessage {
  [accessor: string]: unknown;
}
type MessageClass = new () => ProtoMessage;

export const resourcePb = require("@pulumi/pulumi/proto/resource_pb") as Record<string, MessageClass>;
export const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb") as { ResourceMonitorService: import("@grpc/grpc-js").ServiceDefinition };
export const enginePb = require("@pulumi/pulumi/proto/engine_pb") as Record<string, MessageClass>;
export const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: import("@grpc/grpc-js").ServiceDefinition };
export const providerPb = require("@pulumi/pulumi/proto/provider_pb") as Record<string, MessageClass> & {
  DiffResponse: { DiffChanges: Record<string, number> };
};
export const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (address: string, credentials: unknown) => Record<string, unknown> & { close(): void };
};
/** google.rpc.Status as the dynamic-provider host packs it into `grpc-status-details-bin`. */
export const statusPb = require("@pulumi/pulumi/proto/status_pb") as {
  Status: { deserializeBinary(bytes: Uint8Array): { getDetailsList(): { getTypeUrl(): string; getValue_asU8(): Uint8Array }[] } };
};
const structPb = fromProtoDir("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): ProtoStruct };
};
export const { Empty } = fromProtoDir("google-protobuf/google/protobuf/empty_pb") as { Empty: MessageClass };

interface ProtoStruct {
  toJavaScript(): Record<string, unknown>;
}

export type Props = Record<string, unknown>;

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What a value not known until the update looks like on the wire (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Where the dynamic-provider SDK keeps the serialized provider code. */
export const PROVIDER_KEY = "__provider";

/** Builds a message from `{Field: value}` pairs, calling the generated `setField`. */
export function message(type: MessageClass, fields: Record<string, unknown>): ProtoMessage {
  const created = new type();
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined) (created[`set${field}`] as (value: unknown) => void).call(created, value);
  }
  return created;
}

export function get<T>(request: ProtoMessage, field: string): T {
  return (request[`get${field}`] as () => T).call(request);
}

export function toStruct(value: Props): ProtoStruct {
  return structPb.Struct.fromJavaScript(structuredClone(value));
}

export function fromStruct(value: ProtoStruct | undefined): Props {
  return value ? value.toJavaScript() : {};
}

export function isSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): Props {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** Strips secret wrappers at any depth: what a provider that does not accept secrets receives. */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, reveal(inner)]));
  return value;
}

export function revealProps(props: Props): Props {
  return reveal(props) as Props;
}

function containsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecret);
  return false;
}

/**
 * Outputs of a provider that does not accept secrets, marked the way the engine marks them:
 * a top-level output whose input held a secret, and every additionalSecretOutputs key.
 */
export function markSecrets(outputs: Props, inputs: Props, additionalSecretOutputs: readonly string[]): Props {
  const marked: Props = {};
  for (const [key, value] of Object.entries(outputs)) {
    const wasSecret = containsSecret(inputs[key]) || additionalSecretOutputs.includes(key);
    marked[key] = wasSecret && !isSecret(value) ? secret(value) : value;
  }
  return marked;
}

/** Props without the engine's internal keys (`__provider`), as analyzers and outputs see them. */
export function withoutInternalKeys(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([key]) => !key.startsWith("__")));
}

/** Order-insensitive deep equality of property values (secret wrappers compared by content). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(reveal(a)) === stableJson(reveal(b));
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Props).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Top-level keys whose values differ. */
export function differingKeys(a: Props, b: Props): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => !sameValue(a[key], b[key])).sort();
}
