// The policy pack as the Pulumi CLI runs it, without the CLI: Pulumi's own policy runtime
// (@pulumi/pulumi/cmd/run-policy-pack, which compiles policy/index.ts with ts-node) started in
// policy/, and the engine's side of the conversation: the Analyzer gRPC calls, with requests
// built the way the engine builds them (pulumirpc protobufs).
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import { startPlugin } from "./plugin";

export const PACK_DIR = path.resolve(__dirname, "../../policy");

/** A resource as the program registers it and the analyzer is asked about it. */
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

const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
// The same module instances the generated client was built with.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [protoDir] })) as {
  credentials: { createInsecure(): unknown };
};
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerClient: new (address: string, credentials: unknown) => GrpcClient };
const proto = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, new () => ProtoMessage>;
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [protoDir] })) as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};
const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [protoDir] })) as { Empty: new () => unknown };

interface ProtoMessage {
  toObject(): Record<string, unknown>;
  [setter: string]: unknown;
}
type Call = (request: unknown, callback: (error: Error | null, response: ProtoMessage) => void) => void;
interface GrpcClient {
  analyze: Call;
  analyzeStack: Call;
  getAnalyzerInfo: Call;
  configure: Call;
  close(): void;
}

function message(type: string, fields: Record<string, unknown>): ProtoMessage {
  const created = new proto[type]();
  for (const [field, value] of Object.entries(fields)) (created[`set${field}`] as (value: unknown) => void).call(created, value);
  return created;
}

function resourceOptions(resource: RegisteredResource): ProtoMessage {
  return message("AnalyzerResourceOptions", {
    Protect: resource.protect,
    AdditionalsecretoutputsList: resource.additionalSecretOutputs,
    ...(resource.parent ? { Parent: resource.parent } : {}),
  });
}

export interface Diagnostic {
  policyname: string;
  message: string;
  urn: string;
  enforcementlevel: number;
}

export interface AnalyzeResult {
  diagnosticsList: Diagnostic[];
  notApplicableList: Array<{ policyName: string; reason: string }>;
}

export class AnalyzerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: GrpcClient,
    readonly stderr: () => string,
  ) {}

  /** Starts the runtime in policy/ and waits for the port it prints, as the CLI's analyzer host does. */
  static async start(): Promise<AnalyzerProcess> {
    const runtime = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
    // The first argument is the engine's address; the pack never calls the engine in these tests.
    const { child, port, stderr } = await startPlugin("the policy runtime", runtime, ["127.0.0.1:0", "."], { cwd: PACK_DIR });
    return new AnalyzerProcess(child, new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()), stderr);
  }

  private call(method: keyof Omit<GrpcClient, "close">, request: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.client[method](request, (error, response) => (error ? reject(error) : resolve(response.toObject())));
    });
  }

  getAnalyzerInfo(): Promise<Record<string, unknown>> {
    return this.call("getAnalyzerInfo", new Empty());
  }

  /** Policy config as `--policy-pack-config` gives it: per policy, its properties. */
  async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
    const request = new proto.ConfigureAnalyzerRequest();
    const map = (request.getPolicyconfigMap as () => Map<string, unknown>).call(request);
    for (const [policy, properties] of Object.entries(config)) {
      map.set(policy, message("PolicyConfig", { Enforcementlevel: 1, Properties: Struct.fromJavaScript(properties) }));
    }
    await this.call("configure", request);
  }

  async analyzeStack(resources: readonly RegisteredResource[]): Promise<AnalyzeResult> {
    const request = message("AnalyzeStackRequest", {
      ResourcesList: resources.map((resource) =>
        message("AnalyzerResource", {
          Type: resource.type,
          Properties: Struct.fromJavaScript(structuredClone(resource.inputs)),
          Urn: resource.urn,
          Name: resource.name,
          Options: resourceOptions(resource),
          ...(resource.parent ? { Parent: resource.parent } : {}),
          DependenciesList: resource.dependencies,
        }),
      ),
    });
    return (await this.call("analyzeStack", request)) as unknown as AnalyzeResult;
  }

  async analyze(resource: RegisteredResource): Promise<AnalyzeResult> {
    const request = message("AnalyzeRequest", {
      Type: resource.type,
      Properties: Struct.fromJavaScript(structuredClone(resource.inputs)),
      Urn: resource.urn,
      Name: resource.name,
      Options: resourceOptions(resource),
    });
    return (await this.call("analyze", request)) as unknown as AnalyzeResult;
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}
