// The one way a resource of this project is declared (dynamicResource below): a Pulumi dynamic
// resource with an explicit module and type (token pulumi-nodejs:dynamic/<module>:<Type>),
// the fingerprint of its provider code as `providerVersion`, its secrets marked, and every
// property of the provider's outputs exposed as a typed Output.
//
// Secrets arrive at the provider unwrapped, so each one is wrapped when given, listed in
// additionalSecretOutputs (keeping any the caller listed), and its output is wrapped as well:
// the engine marks it secret through additionalSecretOutputs, and this also holds where no
// engine runs (mocks), so no consumer ever sees it in clear.
import * as pulumi from "@pulumi/pulumi";
import { providerVersion } from "./providerVersion";

export interface DynamicResourceType {
  provider: pulumi.dynamic.ResourceProvider;
  /** The token's module: `postgres` or `supabase`. */
  module: string;
  /** The token's type, e.g. `Migration`. */
  type: string;
  /** The provider's folder (`__dirname`), fingerprinted into providerVersion. */
  folder: string;
  /** Properties that carry a secret, e.g. the database `connection`. */
  secrets: readonly string[];
}

export class DynamicResource extends pulumi.dynamic.Resource {
  declare public readonly providerVersion: pulumi.Output<string>;

  constructor(
    kind: DynamicResourceType,
    name: string,
    props: Record<string, unknown>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const inputs: pulumi.Inputs = { ...props, providerVersion: providerVersion(kind.folder) };
    for (const key of kind.secrets) {
      if (inputs[key] !== undefined) inputs[key] = pulumi.secret(inputs[key]);
    }
    const secretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), ...kind.secrets])];
    super(kind.provider, name, inputs, { ...opts, additionalSecretOutputs: secretOutputs }, kind.module, kind.type);
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
