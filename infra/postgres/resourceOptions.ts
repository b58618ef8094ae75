// Resource-side helpers of the Postgres resources (never used inside a provider).
import * as pulumi from "@pulumi/pulumi";

/** The caller's options plus `connection` in additionalSecretOutputs, keeping any the caller listed. */
export function withSecretConnection(opts?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  const secretOutputs = new Set([...(opts?.additionalSecretOutputs ?? []), "connection"]);
  return { ...opts, additionalSecretOutputs: [...secretOutputs] };
}
