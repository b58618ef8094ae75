// Dependency questions over the resource graph a stack policy receives.
import type { PolicyResource } from "@pulumi/policy";

/** The resource itself, then its parent, its parent's parent, and so on. */
export function selfAndAncestors(resource: PolicyResource): PolicyResource[] {
  const chain: PolicyResource[] = [];
  const seen = new Set<string>();
  for (let current: PolicyResource | undefined = resource; current && !seen.has(current.urn); current = current.parent) {
    seen.add(current.urn);
    chain.push(current);
  }
  return chain;
}

/**
 * True when `dependent` waits for `dependency`: `dependent` (or one of its parents) lists
 * `dependency` (or one of its parents, e.g. a component holding it) among its dependencies.
 */
export function dependsOn(dependent: PolicyResource, dependency: PolicyResource): boolean {
  const targets = new Set(selfAndAncestors(dependency).map((resource) => resource.urn));
  return selfAndAncestors(dependent).some((resource) => resource.dependencies.some((dep) => targets.has(dep.urn)));
}

/**
 * True when `dependent` waits for `dependency` directly or through resources it waits for:
 * the engine starts a resource only after every dependency is done, so waiting is transitive.
 */
export function waitsFor(dependent: PolicyResource, dependency: PolicyResource, resources: readonly PolicyResource[]): boolean {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const seen = new Set<string>();
  const pending: PolicyResource[] = [dependent];
  for (let current = pending.pop(); current; current = pending.pop()) {
    if (seen.has(current.urn)) continue;
    seen.add(current.urn);
    if (dependsOn(current, dependency)) return true;
    for (const resource of selfAndAncestors(current)) {
      for (const dep of resource.dependencies) {
        const next = byUrn.get(dep.urn) ?? dep;
        if (!seen.has(next.urn)) pending.push(next);
      }
    }
  }
  return false;
}

/** The stack of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}
