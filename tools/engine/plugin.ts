// A Pulumi plugin process started as the CLI starts one: spawn it, then read the port it prints
// on stdout (its first line that is only digits) before talking gRPC to it.
import { ChildProcess, spawn } from "node:child_process";

export interface StartedPlugin {
  child: ChildProcess;
  port: string;
  /** Everything the plugin wrote to stderr so far. */
  stderr(): string;
}

/** Spawns `node <entry> ...args` in `cwd` and resolves with the port it serves on. */
export async function startPlugin(
  name: string,
  entry: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<StartedPlugin> {
  const child = spawn(process.execPath, [entry, ...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((candidate) => /^\d+$/.test(candidate.trim()));
      if (line) resolve(line.trim());
    });
    child.on("exit", (code) => reject(new Error(`${name} exited with ${String(code)} before serving:\n${stderr}${stdout}`)));
  });
  return { child, port, stderr: () => stderr };
}
