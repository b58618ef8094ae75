// What every provider of this project shares (infra/postgres, infra/supabase, infra/migrations):
// unknown values, errors without secrets, check failures, and how a resource is declared.
// It imports nothing from the rest of infra/.
export { isKnownString, isUnknown, UNKNOWN } from "./unknown";
export { isErrorLike, isProviderError, providerError, REDACTED, redactSecrets } from "./errors";
export type { ProviderError } from "./errors";
export { failure, optionalBoolean, propertyFailures } from "./checks";
export type { CheckFailure } from "./checks";
export { DynamicResource, dynamicResource, PROVIDER_KEY, providerCode } from "./dynamicResource";
export type { DynamicResourceClass, DynamicResourceType, ResourceOutputs } from "./dynamicResource";
export {
  asPgError,
  describePgError,
  hasSqlState,
  inTransaction,
  LOCK_TIMEOUT,
  sqlState,
  STATEMENT_TIMEOUT,
} from "./postgres";
export type { PgErrorFields } from "./postgres";
