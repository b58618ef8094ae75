// Resources as the program registers them (tests/support/mockProgram.ts) turned into the
// PolicyResource objects that @pulumi/policy's analyzer hands to stack policies: props behind the
// analyzer's unknown-checking proxy, parents and dependencies resolved to objects, options as
// PolicyResourceOptions (plus retainOnDelete, which the mock runtime knows and the CLI does not pass).
import type { PolicyResource } from "@pulumi/policy";
import type { RegisteredResource } from "../support/mockProgram";
import type { ResourceOptions } from "../../policy/lib/resources";

export type { RegisteredResource };

interface PolicyProxyModule {
  unknownCheckingProxy<T extends object>(value: T): T;
  unknownStringValue: string;
}
/** @pulumi/policy's own proxy (internal module, no types): props behave as in `pulumi preview`. */
export const policyProxy = require("@pulumi/policy/proxy") as PolicyProxyModule;

/** The value the analyzer gives a string prop that is unknown during a preview. */
export const UNKNOWN_STRING = policyProxy.unknownStringValue;

function options(resource: RegisteredResource): ResourceOptions {
  return {
    protect: resource.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [...resource.additionalSecretOutputs],
    retainOnDelete: resource.retainOnDelete,
    ...(resource.parent ? { parent: resource.parent } : {}),
  };
}

export function toPolicyResources(registered: readonly RegisteredResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const converted = registered.map((resource) => {
    const policyResource: PolicyResource = {
      type: resource.type,
      name: resource.name,
      urn: resource.urn,
      props: policyProxy.unknownCheckingProxy(structuredClone(resource.inputs)),
      opts: options(resource),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    };
    byUrn.set(resource.urn, policyResource);
    return { resource, policyResource };
  });
  for (const { resource, policyResource } of converted) {
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    if (parent) policyResource.parent = parent;
    // As the analyzer does: dependencies outside the stack's resource list are dropped.
    policyResource.dependencies = resource.dependencies.map((urn) => byUrn.get(urn)).filter((dep): dep is PolicyResource => dep !== undefined);
  }
  return converted.map(({ policyResource }) => policyResource);
}
