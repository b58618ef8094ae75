// `--policy-pack policy`: the pack under Pulumi's own policy runtime (started by
// ./analyzerProcess.ts, the analyzer plugin host), consulted per resource before its
// step (Analyze) and for the whole stack after the steps (AnalyzeStack), with properties as the
// engine sends them: secrets kept in their wrapper, internal keys (`__provider`) left out.
import { AnalyzerProcess, AnalyzeResult, RegisteredResource } from "./analyzerProcess";
import type { StateResource } from "./state";
import { Props, withoutInternalKeys } from "./wire";

const MANDATORY = 1;

export interface Diagnostic {
  policy: string;
  message: string;
  urn: string;
  mandatory: boolean;
}

export interface AnalyzedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  inputs: Props;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
}

function asRegistered(resource: AnalyzedResource): RegisteredResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    custom: true,
    inputs: withoutInternalKeys(resource.inputs),
    secretInputs: [],
    parent: resource.parent,
    dependencies: resource.dependencies,
    protect: resource.protect,
    retainOnDelete: resource.retainOnDelete,
    additionalSecretOutputs: resource.additionalSecretOutputs,
  };
}

function diagnostics(result: AnalyzeResult): Diagnostic[] {
  return result.diagnosticsList.map((diagnostic) => ({
    policy: diagnostic.policyname,
    message: diagnostic.message,
    urn: diagnostic.urn,
    mandatory: diagnostic.enforcementlevel === MANDATORY,
  }));
}

export class PolicyAnalyzer {
  private constructor(private readonly process: AnalyzerProcess) {}

  static async start(): Promise<PolicyAnalyzer> {
    return new PolicyAnalyzer(await AnalyzerProcess.start());
  }

  async analyze(resource: AnalyzedResource): Promise<Diagnostic[]> {
    return diagnostics(await this.process.analyze(asRegistered(resource)));
  }

  /** The stack after the steps: every resource with its outputs (components with their inputs). */
  async analyzeStack(resources: readonly StateResource[]): Promise<Diagnostic[]> {
    const analyzed = resources.map((resource) => asRegistered({ ...resource, inputs: resource.custom ? resource.outputs : resource.inputs }));
    return diagnostics(await this.process.analyzeStack(analyzed));
  }

  stop(): void {
    this.process.stop();
  }
}
