// The engine's gRPC side that the program talks to: pulumirpc.ResourceMonitor and
// pulumirpc.Engine, served on 127.0.0.1 from the service definitions generated in
// @pulumi/pulumi/proto. Each RegisterResource is handed to the deployment, which answers with
// the resource's id and outputs once its step is done (or UNAVAILABLE after a failure, as the
// engine does when it cancels: the SDK then exits quietly).
import { enginePb, engineGrpc, Empty, fromStruct, get, grpc, message, ProtoMessage, Props, resourceGrpc, resourcePb, toStruct } from "./wire";

export interface Registration {
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  /** Inputs in wire form (secrets wrapped). */
  inputs: Props;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  additionalSecretOutputs: string[];
  version: string;
}

export interface RegistrationAnswer {
  urn: string;
  id?: string;
  outputs: Props;
}

export interface LogEntry {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn: string;
}

export interface MonitorHandlers {
  register(registration: Registration): Promise<RegistrationAnswer>;
  registerOutputs(urn: string, outputs: Props): void;
}

/** Thrown by a handler when the deployment has stopped: the program gets UNAVAILABLE. */
export class DeploymentStopped extends Error {
  constructor() {
    super("resource monitor shut down: the deployment stopped at an earlier failure");
  }
}

const SUPPORTED_FEATURES = new Set(["secrets"]);
const SEVERITIES: LogEntry["severity"][] = ["debug", "info", "warning", "error"];

type Callback = (error: { code: number; details: string } | null, response?: unknown) => void;
interface Call {
  request: ProtoMessage;
}

function registration(request: ProtoMessage): Registration {
  return {
    type: get(request, "Type"),
    name: get(request, "Name"),
    custom: get(request, "Custom"),
    parent: get<string>(request, "Parent") || undefined,
    inputs: fromStruct(get(request, "Object")),
    dependencies: get(request, "DependenciesList"),
    protect: get<boolean | undefined>(request, "Protect") ?? false,
    retainOnDelete: get<boolean | undefined>(request, "Retainondelete") ?? false,
    deleteBeforeReplace: get<boolean>(request, "Deletebeforereplace"),
    additionalSecretOutputs: get(request, "AdditionalsecretoutputsList"),
    version: get(request, "Version"),
  };
}

export class MonitorServer {
  readonly logs: LogEntry[] = [];
  private rootResource = "";
  private constructor(
    private readonly server: import("@grpc/grpc-js").Server,
    readonly address: string,
  ) {}

  static async start(handlers: MonitorHandlers): Promise<MonitorServer> {
    const server = new grpc.Server();
    const holder: { monitor?: MonitorServer } = {};
    server.addService(resourceGrpc.ResourceMonitorService, {
      supportsFeature: (call: Call, callback: Callback) =>
        callback(null, message(resourcePb.SupportsFeatureResponse, { Hassupport: SUPPORTED_FEATURES.has(get(call.request, "Id")) })),
      registerResource: (call: Call, callback: Callback) => {
        handlers.register(registration(call.request)).then(
          (answer) =>
            callback(null, message(resourcePb.RegisterResourceResponse, { Urn: answer.urn, Id: answer.id ?? "", Object: toStruct(answer.outputs) })),
          (error: Error) =>
            callback({ code: error instanceof DeploymentStopped ? grpc.status.UNAVAILABLE : grpc.status.UNKNOWN, details: error.message }),
        );
      },
      registerResourceOutputs: (call: Call, callback: Callback) => {
        handlers.registerOutputs(get(call.request, "Urn"), fromStruct(get(call.request, "Outputs")));
        callback(null, new Empty());
      },
      signalAndWaitForShutdown: (_call: Call, callback: Callback) => callback(null, new Empty()),
    });
    server.addService(engineGrpc.EngineService, {
      log: (call: Call, callback: Callback) => {
        holder.monitor?.logs.push({ severity: SEVERITIES[get<number>(call.request, "Severity")], message: get(call.request, "Message"), urn: get(call.request, "Urn") });
        callback(null, new Empty());
      },
      getRootResource: (_call: Call, callback: Callback) => callback(null, message(enginePb.GetRootResourceResponse, { Urn: holder.monitor?.rootResource ?? "" })),
      setRootResource: (call: Call, callback: Callback) => {
        if (holder.monitor) holder.monitor.rootResource = get(call.request, "Urn");
        callback(null, new enginePb.SetRootResourceResponse());
      },
      requirePulumiVersion: (_call: Call, callback: Callback) => callback(null, new enginePb.RequirePulumiVersionResponse()),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    holder.monitor = new MonitorServer(server, `127.0.0.1:${port}`);
    return holder.monitor;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
