// Runs policies without the Pulumi CLI, the way @pulumi/policy's analyzer server does
// (node_modules/@pulumi/policy/server.js): a resource policy is called once per resource with
// ResourceValidationArgs, a stack policy once with StackValidationArgs; reportViolation collects
// what it reports, notApplicable ends the policy with a reason.
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export type AnyPolicy = Policies[number];

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

export interface PolicyRun {
  violations: Violation[];
  /** Reasons given through notApplicable(). */
  notApplicable: string[];
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "");
}

export function isStackPolicy(policy: AnyPolicy): policy is StackValidationPolicy {
  return typeof (policy as StackValidationPolicy).validateStack === "function";
}

function resourceValidations(policy: ResourceValidationPolicy): ResourceValidation[] {
  const validate = policy.validateResource;
  return validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
}

/** Policy config as the CLI passes it: per policy name, without enforcementLevel. */
export type PackConfig = Record<string, Record<string, unknown>>;

export async function runPolicy(policy: AnyPolicy, resources: readonly PolicyResource[], config: Record<string, unknown> = {}): Promise<PolicyRun> {
  const run: PolicyRun = { violations: [], notApplicable: [] };
  const enforcementLevel = policy.enforcementLevel ?? "advisory";
  const record = (message: string, urn?: string) => run.violations.push({ policy: policy.name, enforcementLevel, message, ...(urn ? { urn } : {}) });
  const common = { stackTags: new Map<string, string>(), getConfig: <T extends object>() => ({ ...config }) as T, notApplicable: throwNotApplicable };
  const guard = async (call: () => Promise<void> | void) => {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
      run.notApplicable.push(error.reason);
    }
  };
  if (isStackPolicy(policy)) {
    const args: StackValidationArgs = { ...common, resources: [...resources] };
    await guard(() => policy.validateStack(args, record));
    return run;
  }
  for (const resource of resources) {
    const args: ResourceValidationArgs = {
      ...common,
      type: resource.type,
      props: resource.props,
      urn: resource.urn,
      name: resource.name,
      opts: resource.opts,
      isType: () => false,
      asType: () => undefined,
    };
    // For a resource policy the analyzer ignores the urn argument: it is always this resource.
    for (const validation of resourceValidations(policy)) await guard(() => validation(args, (message) => record(message, resource.urn)));
  }
  return run;
}

export async function runPack(policies: Policies, resources: readonly PolicyResource[], config: PackConfig = {}): Promise<PolicyRun> {
  const total: PolicyRun = { violations: [], notApplicable: [] };
  for (const policy of policies) {
    const run = await runPolicy(policy, resources, config[policy.name] ?? {});
    total.violations.push(...run.violations);
    total.notApplicable.push(...run.notApplicable.map((reason) => `${policy.name}: ${reason}`));
  }
  return total;
}

/** Messages only, for readable assertions. */
export function messages(run: PolicyRun): string[] {
  return run.violations.map((violation) => violation.message);
}
