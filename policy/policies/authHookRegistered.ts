// 5. On Supabase targets (a Project resource is in the stack), the custom access token hook is
// registered: an enabled AuthHook with the hook function's URI, registered only after the
// migration that creates the function and the grants that let the auth server run it.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { grantResourceName, HOOK_GRANTS, MIGRATION_VERSIONS } from "../../infra/adminSurface";
import { dependsOn } from "../lib/graph";
import { AuthHookProps, describeResource, GrantProps, MigrationProps, ofType } from "../lib/resources";

export const HOOK_NAME = "custom_access_token";
export const HOOK_URI = "pg-functions://postgres/public/custom_access_token_hook";

function sameGrant(resource: PolicyResource, expected: GrantProps): boolean {
  const props = resource.props as GrantProps;
  return props.role === expected.role && props.privilege === expected.privilege && props.objectType === expected.objectType && props.object === expected.object;
}

export const authHookRegisteredPolicy: StackValidationPolicy = {
  name: "supabase-analytics-auth-hook-registered",
  description: `On Supabase targets, an enabled AuthHook "${HOOK_NAME}" points at ${HOOK_URI} and depends on the hook's migration and its grants.`,
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    if (ofType(args.resources, "project").length === 0) {
      args.notApplicable("no Supabase Project in this stack (target postgres): there is no auth server to register the hook with");
    }
    const hooks = ofType(args.resources, "authHook").filter((resource) => (resource.props as AuthHookProps).hook === HOOK_NAME);
    if (hooks.length === 0) {
      reportViolation(
        `The stack has a Supabase Project but no AuthHook "${HOOK_NAME}"; add one with enabled: true and uri "${HOOK_URI}", or access tokens carry no user_role claim.`,
      );
      return;
    }
    const hookMigration = ofType(args.resources, "migration").find((resource) => (resource.props as MigrationProps).version === MIGRATION_VERSIONS.customAccessTokenHook);
    for (const hook of hooks) {
      const props = hook.props as AuthHookProps;
      const name = describeResource(hook);
      if (props.enabled !== true) reportViolation(`${name} is not enabled (enabled: ${String(props.enabled)}); set enabled: true.`, hook.urn);
      if (props.uri !== HOOK_URI) reportViolation(`${name} points at "${props.uri}"; set uri to "${HOOK_URI}".`, hook.urn);
      if (!hookMigration) {
        reportViolation(`${name}: the stack has no Migration ${MIGRATION_VERSIONS.customAccessTokenHook}, which creates the hook function; restore it.`, hook.urn);
      } else if (!dependsOn(hook, hookMigration)) {
        reportViolation(`${name} does not depend on ${describeResource(hookMigration)}; add it to dependsOn, or the hook is registered before its function exists and every login fails.`, hook.urn);
      }
      for (const expected of HOOK_GRANTS) {
        const grant = ofType(args.resources, "grant").find((resource) => sameGrant(resource, expected));
        if (grant && dependsOn(hook, grant)) continue;
        reportViolation(
          `${name} does not depend on Grant "${grantResourceName(expected)}" (${expected.privilege} on ${expected.object} to ${expected.role}); add it to dependsOn, or the auth server cannot run the hook when it is switched on.`,
          hook.urn,
        );
      }
    }
  },
};
