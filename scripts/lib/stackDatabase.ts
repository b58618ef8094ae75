// `npm run plan -- --stack <name>`: the database URL and migrations folder of a stack, read
// through the Automation API (so it needs the Pulumi CLI). The URL is the secret config
// `databaseUrl` (target postgres) or the stack's secret output `databaseUrl` (any target, once
// deployed).
import { selectStack } from "./pulumiStack";

const PROJECT = "supabase-analytics";

export interface StackDatabase {
  /** Undefined when the stack has none yet (never deployed, no config); `reason` says why. */
  url?: string;
  reason?: string;
  /** The stack's `migrationsDir` config, if set. */
  migrationsDir?: string;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

export async function databaseOfStack(stackName: string): Promise<StackDatabase> {
  const stack = await selectStack(stackName);
  const config = await stack.getAllConfig();
  const migrationsDir = nonEmpty(config[`${PROJECT}:migrationsDir`]?.value);
  const fromConfig = nonEmpty(config[`${PROJECT}:databaseUrl`]?.value);
  if (fromConfig) return { url: fromConfig, migrationsDir };
  const outputs = await stack.outputs();
  const fromOutputs = nonEmpty(outputs.databaseUrl?.value);
  if (fromOutputs) return { url: fromOutputs, migrationsDir };
  return {
    migrationsDir,
    reason: `stack ${stackName} has no databaseUrl config and no databaseUrl output yet (not deployed?); pass --database-url instead`,
  };
}
