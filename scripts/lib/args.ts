// Command-line parsing for `npm run drift|preview|plan`: node's util.parseArgs in strict mode,
// with errors that name the flag and show the usage, instead of a stack trace.
import { parseArgs } from "node:util";

export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(`${message}\n\n${usage}`);
    this.name = "UsageError";
  }
}

export type FlagSpec = Record<string, { type: "string" | "boolean"; description: string }>;

export function usageText(command: string, synopsis: string, flags: FlagSpec): string {
  const width = Math.max(...Object.keys(flags).map((name) => name.length)) + 2;
  const lines = Object.entries(flags).map(([name, flag]) => {
    const label = flag.type === "string" ? `--${name} <value>` : `--${name}`;
    return `  ${label.padEnd(width + 10)}${flag.description}`;
  });
  return [`usage: npm run ${command} -- ${synopsis}`, "", ...lines].join("\n");
}

/**
 * Parses argv (without node and the script) against the flags. `--help` is always accepted;
 * anything unknown, a positional argument or a missing value is a UsageError.
 */
export function parseFlags<S extends FlagSpec>(
  argv: readonly string[],
  flags: S,
  usage: string,
): { values: { [K in keyof S]?: S[K]["type"] extends "boolean" ? boolean : string }; help: boolean } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [name, flag] of Object.entries(flags)) options[name] = { type: flag.type };
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === "string" && value.trim() === "") throw new UsageError(`--${name} needs a value`, usage);
    }
    return { values: values as never, help: help === true };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // util.parseArgs reports unknown options and missing values with codes ERR_PARSE_ARGS_*.
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((error as Error).message, usage);
    throw error;
  }
}
