// 8. Secrets stay secret in state. A policy sees secret values already unwrapped, so it cannot
// tell whether a prop was a secret Output; it checks what it can see instead: the resource lists
// the prop in additionalSecretOutputs (so the engine encrypts it in its outputs), and no prop that
// is not listed there carries a URL with an inline password. The program's unit tests assert that
// those inputs are secret Outputs.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown } from "../lib/knownValues";
import { describeResource, RESOURCE_TYPES } from "../lib/resources";

/** Props the Project must always list: its session-pooler URL and its database password. */
export const PROJECT_SECRET_PROPS = ["connection", "dbPass"] as const;
/** Credential props that any resource carrying them must list. */
export const CREDENTIAL_PROPS = ["connection", "dbPass", "accessToken"] as const;

/** `scheme://...` candidates in free text; each is then checked with the WHATWG URL parser. */
const URL_CANDIDATE = /[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]+/gi;

export function hasInlinePassword(text: string): boolean {
  for (const candidate of text.match(URL_CANDIDATE) ?? []) {
    if (!URL.canParse(candidate)) continue;
    if (new URL(candidate).password !== "") return true;
  }
  return false;
}

export const secretsPolicy: ResourceValidationPolicy = {
  name: "supabase-analytics-secrets",
  description:
    "Every resource with a connection prop, and the Project, lists connection in additionalSecretOutputs; the Project also lists dbPass (and any resource its dbPass or accessToken); no prop that is not listed holds a URL with an inline password.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const listed = new Set(args.opts.additionalSecretOutputs ?? []);
    const name = describeResource(args);
    const required = new Set<string>();
    for (const prop of CREDENTIAL_PROPS) if (prop in args.props) required.add(prop);
    if (args.type === RESOURCE_TYPES.project) for (const prop of PROJECT_SECRET_PROPS) required.add(prop);
    const reported = new Set<string>();
    for (const prop of required) {
      if (listed.has(prop)) continue;
      reported.add(prop);
      reportViolation(`${name} does not list "${prop}" in additionalSecretOutputs; add it, so that the engine keeps ${prop} encrypted in the stack's state and out of previews.`);
    }
    for (const prop of Object.keys(args.props)) {
      // `__provider` and other engine-internal props hold code, not configuration.
      if (prop.startsWith("__") || listed.has(prop) || reported.has(prop)) continue;
      const read = readKnown(args.props, prop);
      if (!read.known || !knownStrings(read.value).some(hasInlinePassword)) continue;
      reportViolation(
        `${name}: prop "${prop}" holds a URL with an inline password in plain text; pass it as a secret and list "${prop}" in additionalSecretOutputs, or take the password out of the URL.`,
      );
    }
  },
};
