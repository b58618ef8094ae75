// Entry point of `pulumi up` (Pulumi.yaml: main: infra/). The exported function's result
// becomes the stack outputs.
import { runProgram } from "./program";

export = runProgram;
