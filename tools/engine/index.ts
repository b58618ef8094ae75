// The engine's public entry, for bench/ and tests/: run this project's stacks through Pulumi's
// own Node runtime, dynamic-provider plugin and policy analyzer (README.md says how).
export { Engine, EngineError, PolicyViolation, displayOutputs } from "./engine";
export type { Change, ChangeOp, Drift, EngineOptions, OperationResult, Timeline, UpOptions } from "./engine";
export { PolicyAnalyzer } from "./policy";
export type { Diagnostic } from "./policy";
export { AnalyzerProcess, PACK_DIR } from "./analyzerProcess";
export type { AnalyzeResult, RegisteredResource } from "./analyzerProcess";
export { readStackFiles } from "./project";
export type { StackFiles } from "./project";
export { readStateFile, writeStateFile } from "./state";
export type { DeployState, StateResource } from "./state";
export { isSecret, PROVIDER_KEY, reveal, UNKNOWN } from "./wire";
