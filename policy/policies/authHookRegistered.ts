// 5. On Supabase targets (a Project resource is in the stack), the custom access token hook is
// registered: an enabled AuthHook with the hook function's URI, registered only after the
// migration that creates that function in its final form (the newest Migration whose SQL
// creates it: a later migration may re-create it; waiting may go through other resources, such
// as the rest of the chain) and after the grants that let the auth server run it. The URI and
// those grants are this policy's config (defaults: policy/requirements.ts).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { grantKey, grantListOption, grantText, policyConfig, stringOption } from "../lib/config";
import { waitsFor } from "../lib/graph";
import { AuthHookProps, describeResource, GrantProps, MigrationProps, ofType } from "../lib/resources";
import { HOOK_GRANTS, HOOK_URI, RequiredGrant } from "../requirements";

export const HOOK_NAME = "custom_access_token";

/** `pg-functions://postgres/<schema>/<function>` → schema and function, or undefined. */
function hookFunction(uri: string): { schema: string; name: string } | undefined {
  const match = /^pg-functions:\/\/[^/]+\/([^/]+)\/([^/]+)$/.exec(uri);
  return match ? { schema: match[1], name: match[2] } : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The Migration with the highest version among those whose SQL creates the function. */
function creatingMigration(resources: readonly PolicyResource[], fn: { schema: string; name: string }): PolicyResource | undefined {
  const name = (part: string) => `"?${escapeRegExp(part)}"?`;
  const creates = new RegExp(`create\\s+(or\\s+replace\\s+)?function\\s+${name(fn.schema)}\\s*\\.\\s*${name(fn.name)}\\s*\\(`, "i");
  const version = (resource: PolicyResource) => String((resource.props as MigrationProps).version);
  return ofType(resources, "migration")
    .filter((resource) => creates.test(String((resource.props as MigrationProps).sql)))
    .reduce<PolicyResource | undefined>((newest, resource) => (newest === undefined || version(resource) > version(newest) ? resource : newest), undefined);
}

const config = policyConfig({
  hookUri: stringOption(HOOK_URI, "The URI the custom_access_token AuthHook must point at."),
  hookGrants: grantListOption(HOOK_GRANTS, "Grants the auth server needs to run the hook; the AuthHook must depend on their Grant resources."),
});

function findGrant(resources: readonly PolicyResource[], expected: RequiredGrant): PolicyResource | undefined {
  return ofType(resources, "grant").find((resource) => grantKey(resource.props as GrantProps) === grantKey(expected));
}

export const authHookRegisteredPolicy: StackValidationPolicy = {
  name: "supabase-analytics-auth-hook-registered",
  description: `On Supabase targets, an enabled AuthHook "${HOOK_NAME}" points at ${HOOK_URI} (configurable) and waits for the migration that creates its function and for the hook's grants.`,
  enforcementLevel: "mandatory",
  configSchema: config.schema,
  validateStack: (args, reportViolation) => {
    if (ofType(args.resources, "project").length === 0) {
      args.notApplicable("no Supabase Project in this stack (target postgres): there is no auth server to register the hook with");
    }
    const { hookUri, hookGrants } = config.read(args);
    const hooks = ofType(args.resources, "authHook").filter((resource) => (resource.props as AuthHookProps).hook === HOOK_NAME);
    if (hooks.length === 0) {
      reportViolation(
        `The stack has a Supabase Project but no AuthHook "${HOOK_NAME}"; add one with enabled: true and uri "${hookUri}", or access tokens carry no user_role claim.`,
      );
      return;
    }
    const fn = hookFunction(hookUri);
    const migration = fn && creatingMigration(args.resources, fn);
    for (const hook of hooks) {
      const props = hook.props as AuthHookProps;
      const name = describeResource(hook);
      if (props.enabled !== true) reportViolation(`${name} is not enabled (enabled: ${String(props.enabled)}); set enabled: true.`, hook.urn);
      if (props.uri !== hookUri) reportViolation(`${name} points at "${props.uri}"; set uri to "${hookUri}".`, hook.urn);
      if (!fn) {
        reportViolation(`${name}: the configured hookUri "${hookUri}" is not pg-functions://<database>/<schema>/<function>; correct the policy config.`, hook.urn);
      } else if (!migration) {
        reportViolation(`${name}: no Migration in the stack creates ${fn.schema}.${fn.name}; add the migrations of sql/migrations.`, hook.urn);
      } else if (!waitsFor(hook, migration, args.resources)) {
        reportViolation(
          `${name} does not wait for ${describeResource(migration)}, the newest migration that creates ${fn.schema}.${fn.name}; add it (or a later migration of the chain) to dependsOn, or the hook can be registered before its function exists in its final form and every login fails.`,
          hook.urn,
        );
      }
      for (const expected of hookGrants) {
        const grant = findGrant(args.resources, expected);
        if (grant && waitsFor(hook, grant, args.resources)) continue;
        const what = grant ? `${describeResource(grant)} (${expected.privilege} on ${expected.object} to ${expected.role})` : `a Grant for \`${grantText(expected)}\``;
        reportViolation(`${name} does not depend on ${what}; add it to dependsOn, or the auth server cannot run the hook when it is switched on.`, hook.urn);
      }
    }
  },
};
