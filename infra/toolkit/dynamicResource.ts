// The one way a resource of this project is declared (dynamicResource below): a Pulumi dynamic
// resource with an explicit module and type (token pulumi-nodejs:dynamic/<module>:<Type>), its
// secrets marked, and every property of the provider's outputs exposed as a typed Output.
//
// Its `__provider` is not a serialized copy of the provider (what pulumi.dynamic.Resource
// stores, ~61 KB per resource) but a reference to it: a few lines that load the provider from
// the checkout through providerHost.js when the dynamic-provider plugin calls it. So the state
// holds no provider code, and a change of the code changes no input (docs/providers.md).
//
// Secrets arrive at the provider unwrapped, so each one is wrapped when given, listed in
// additionalSecretOutputs (keeping any the caller listed), and its output is wrapped as well:
// the engine marks it secret through additionalSecretOutputs, and this also holds where no
// engine runs (mocks), so no consumer ever sees it in clear.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface DynamicResourceType {
  /** The token's module: `postgres` or `supabase`. */
  module: string;
  /** The token's type, e.g. `Migration`. */
  type: string;
  /**
   * The file that exports the provider: what the plugin loads. Named, never loaded here, so the
   * program's run does not load (or type-check) provider code it never calls.
   */
  file: string;
  /** The name `file` exports the provider under (tests/program/resourceTypes.test.ts checks it). */
  exportName: string;
  /** Properties that carry a secret, e.g. the database `connection`. */
  secrets: readonly string[];
}

/** The dynamic-provider plugin's key for the provider code (@pulumi/pulumi/cmd/dynamic-provider). */
export const PROVIDER_KEY = "__provider";
/** The loader `__provider` requires (plain JavaScript: the plugin has no TypeScript loader). */
const PROVIDER_HOST = path.join(__dirname, "providerHost.js");
/** infra/: the host resolves module paths against it. */
const PROGRAM_DIR = path.resolve(__dirname, "..");

function posix(relative: string): string {
  return relative.split(path.sep).join("/");
}

const shims = new Map<DynamicResourceType, string>();

/**
 * The `__provider` of a resource: `handler()` loads the provider through the host. The host is
 * looked for from the plugin's working directory upwards, at its path from the program's folder
 * and from the project's: the CLI starts the plugin in the program's folder (infra/, as it does
 * for every `require` in serialized code), and a harness that starts it at the project root or
 * below still finds it. The text names paths relative to those folders, never the checkout's.
 */
export function providerCode(kind: DynamicResourceType): string {
  const cached = shims.get(kind);
  if (cached !== undefined) return cached;
  const hosts = [path.relative(PROGRAM_DIR, PROVIDER_HOST), path.relative(path.dirname(PROGRAM_DIR), PROVIDER_HOST)].map(posix);
  const module = posix(path.relative(PROGRAM_DIR, kind.file)).replace(/\.ts$/, "");
  // Compact: the same text is stored with every resource of the type (as input and output).
  const code =
    `exports.handler=()=>{const p=require("path"),f=require("fs");for(let d=process.cwd();;d=p.dirname(d)){` +
    `for(const h of ${JSON.stringify(hosts)}){const x=p.join(d,h);` +
    `if(f.existsSync(x))return require(x).provider(${JSON.stringify(module)},${JSON.stringify(kind.exportName)})}` +
    `if(d==p.dirname(d))throw Error("${hosts[1]} not found from "+process.cwd())}}\n`;
  shims.set(kind, code);
  return code;
}

export class DynamicResource extends pulumi.CustomResource {
  constructor(
    kind: DynamicResourceType,
    name: string,
    props: Record<string, unknown>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const inputs: pulumi.Inputs = { ...props, [PROVIDER_KEY]: providerCode(kind) };
    for (const key of kind.secrets) {
      if (inputs[key] !== undefined) inputs[key] = pulumi.secret(inputs[key]);
    }
    const secretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), ...kind.secrets])];
    super(`pulumi-nodejs:dynamic/${kind.module}:${kind.type}`, name, inputs, { ...opts, additionalSecretOutputs: secretOutputs });
    const outputs = this as unknown as Record<string, unknown>;
    for (const key of kind.secrets) {
      if (pulumi.Output.isInstance(outputs[key])) outputs[key] = pulumi.secret(outputs[key] as pulumi.Output<unknown>);
    }
  }
}

/** The resource's outputs: one Output per property of what the provider returns. */
export type ResourceOutputs<Outputs> = { readonly [K in keyof Outputs]-?: pulumi.Output<Outputs[K]> };

export type DynamicResourceClass<Args, Outputs> = new (
  name: string,
  args: Args,
  opts?: pulumi.CustomResourceOptions,
) => DynamicResource & ResourceOutputs<Outputs>;

/**
 * The resource class of a provider. `props` turns the arguments into the inputs the provider
 * receives (defaults filled in, and every output the provider adds listed as undefined, so
 * the resource exposes it).
 */
export function dynamicResource<Args, Outputs>(kind: DynamicResourceType, props: (args: Args) => Record<string, unknown>): DynamicResourceClass<Args, Outputs> {
  class Resource extends DynamicResource {
    constructor(name: string, args: Args, opts?: pulumi.CustomResourceOptions) {
      super(kind, name, props(args), opts);
    }
  }
  return Resource as unknown as DynamicResourceClass<Args, Outputs>;
}
