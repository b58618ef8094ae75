// What the Pulumi CLI derives from the project before it starts the program: the working
// directory and entry point from Pulumi.yaml `main` (pkg/engine/project.go getPwdMain), the
// runtime options (typescript, tsconfig, nodeargs) and the config with its secret keys
// (Pulumi.yaml defaults and values, then Pulumi.<stack>.yaml, then what the caller sets).
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface ProjectFile {
  name: string;
  main?: string;
  runtime: string | { name: string; options?: Record<string, unknown> };
}

export interface ProgramLaunch {
  project: string;
  rootDirectory: string;
  /** The program's working directory (`--pwd`). */
  pwd: string;
  /** The entry point, relative to pwd ("." for a folder). */
  entry: string;
  typescript: boolean;
  /** PULUMI_NODEJS_TSCONFIG_PATH when `runtime.options.tsconfig` is set. */
  tsconfig?: string;
  nodeargs: string[];
}

export function readProjectFile(rootDirectory: string): ProjectFile {
  const file = path.join(rootDirectory, "Pulumi.yaml");
  return parse(fs.readFileSync(file, "utf8")) as ProjectFile;
}

/** pwd and entry exactly as the CLI computes them from `main`. */
export function pwdAndEntry(rootDirectory: string, main: string | undefined): { pwd: string; entry: string } {
  if (!main) return { pwd: rootDirectory, entry: "." };
  const resolved = path.isAbsolute(main) ? main : path.resolve(rootDirectory, main);
  if (!fs.existsSync(resolved)) throw new Error(`Pulumi.yaml: project 'main' could not be read: ${resolved} does not exist`);
  if (fs.statSync(resolved).isDirectory()) return { pwd: resolved, entry: "." };
  return { pwd: path.dirname(resolved), entry: path.basename(resolved) };
}

/** shlex-style split of `nodeargs` (quotes group words). */
function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
}

export function programLaunch(rootDirectory: string): ProgramLaunch {
  const project = readProjectFile(rootDirectory);
  const runtime = typeof project.runtime === "string" ? { name: project.runtime } : project.runtime;
  if (runtime.name !== "nodejs") throw new Error(`Pulumi.yaml: runtime ${runtime.name} is not nodejs`);
  const options = runtime.options ?? {};
  // The language host's parseOptions: typescript defaults to true.
  const typescript = options.typescript === undefined ? true : options.typescript === true;
  const nodeargs = options.nodeargs;
  if (nodeargs !== undefined && typeof nodeargs !== "string") throw new Error("Pulumi.yaml: runtime.options.nodeargs must be a string");
  const tsconfig = options.tsconfig;
  if (tsconfig !== undefined && typeof tsconfig !== "string") throw new Error("Pulumi.yaml: runtime.options.tsconfig must be a string");
  return {
    project: project.name,
    rootDirectory,
    ...pwdAndEntry(rootDirectory, project.main),
    typescript,
    tsconfig,
    nodeargs: nodeargs ? splitArgs(nodeargs) : [],
  };
}

export interface StackFiles {
  config: Record<string, string>;
  /** Keys Pulumi.yaml declares (namespaced), for checks that every key read is declared. */
  declared: string[];
}

/** Project defaults and stack values, the way the CLI merges them before running the program. */
export function readStackFiles(rootDirectory: string, stack: string): StackFiles {
  const project = parse(fs.readFileSync(path.join(rootDirectory, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown; value?: unknown }>;
  };
  const config: Record<string, string> = {};
  const declared: string[] = [];
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    const qualified = key.includes(":") ? key : `${project.name}:${key}`;
    declared.push(qualified);
    const fallback = spec.default ?? spec.value;
    if (fallback !== undefined) config[qualified] = String(fallback);
  }
  const stackFile = path.join(rootDirectory, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(stackFile)) {
    const values = (parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> }).config ?? {};
    for (const [key, value] of Object.entries(values)) config[key] = String(value);
  }
  return { config, declared };
}

export interface StackConfig {
  /** Full keys (`namespace:name`) to values. */
  values: Record<string, string>;
  secretKeys: string[];
}

const qualify = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

/**
 * The stack's config as the CLI hands it to the language host: Pulumi.yaml defaults and
 * values, the stack file, then `overrides` (keys without a namespace are the project's);
 * `secretKeys` name the overrides that were set with --secret.
 */
export function stackConfig(rootDirectory: string, stack: string, overrides: Record<string, string> = {}, secretKeys: string[] = []): StackConfig {
  const project = readProjectFile(rootDirectory).name;
  const values = { ...readStackFiles(rootDirectory, stack).config };
  for (const [key, value] of Object.entries(overrides)) values[qualify(project, key)] = value;
  return { values, secretKeys: secretKeys.map((key) => qualify(project, key)) };
}

/** PULUMI_CONFIG as pulumi-language-nodejs builds it (keys as `namespace:config:name`). */
export function configEnvironment(config: StackConfig): Record<string, string> {
  const legacy = Object.fromEntries(
    Object.entries(config.values).map(([key, value]) => {
      const at = key.indexOf(":");
      return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
    }),
  );
  return { PULUMI_CONFIG: JSON.stringify(legacy), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(config.secretKeys) };
}
