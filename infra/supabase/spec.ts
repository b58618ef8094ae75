// Values the providers validate against, taken from the Management API spec (openapi.json).
//
// The arrays are runtime copies of enums in the generated types (management-api.d.ts). The
// `Exact` checks below fail `npm run typecheck` when the spec (and so the generated union)
// gains or loses a value, so the copies cannot drift from the spec; tests/supabase compares
// them to openapi.json as well. They live here as constants because provider code is
// serialized into the stack state and cannot read openapi.json at run time.
import type { components } from "./management-api";

type Schemas = components["schemas"];

export type CreateProjectBody = Schemas["V1CreateProjectBody"];
export type ProjectWithDatabase = Schemas["V1ProjectWithDatabaseResponse"];
export type ProjectStatus = ProjectWithDatabase["status"];
export type ServiceHealth = Schemas["V1ServiceHealthResponse"];
export type ServiceName = ServiceHealth["name"];
export type PoolerConfig = Schemas["SupavisorConfigResponse"];
export type PostgrestConfigResponse = Schemas["PostgrestConfigWithJWTSecretResponse"];
export type AuthConfig = Schemas["AuthConfigResponse"];
export type UpdateAuthConfigBody = Schemas["UpdateAuthConfigBody"];
export type ProjectAddons = Schemas["ListProjectAddonsResponse"];
export type ApplyProjectAddonBody = Schemas["ApplyProjectAddonBody"];
export type ComputeAddonVariant = Extract<ApplyProjectAddonBody["addon_variant"], `ci_${string}`>;

type SpecificRegionSelection = Extract<NonNullable<CreateProjectBody["region_selection"]>, { type: "specific" }>;
export type Region = SpecificRegionSelection["code"];
export type InstanceSize = NonNullable<CreateProjectBody["desired_instance_size"]>;

/** Compiles only when the array's element type and the spec's union are the same set. */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;

/** POST /v1/projects region_selection {type: "specific"} codes. */
export const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ap-east-1",
  "ap-southeast-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "eu-central-1",
  "eu-central-2",
  "ca-central-1",
  "ap-south-1",
  "sa-east-1",
] as const;
const regionsMatchSpec: Exact<(typeof REGIONS)[number], Region> = true;

/** POST /v1/projects desired_instance_size values. */
export const INSTANCE_SIZES = [
  "nano",
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "4xlarge",
  "8xlarge",
  "12xlarge",
  "16xlarge",
  "24xlarge",
  "24xlarge_optimized_memory",
  "24xlarge_optimized_cpu",
  "24xlarge_high_memory",
  "48xlarge",
  "48xlarge_optimized_memory",
  "48xlarge_optimized_cpu",
  "48xlarge_high_memory",
] as const;
const instanceSizesMatchSpec: Exact<(typeof INSTANCE_SIZES)[number], InstanceSize> = true;

/** Statuses a project does not leave by itself: waiting for ACTIVE_HEALTHY is pointless. */
export const TERMINAL_PROJECT_STATUSES = [
  "INIT_FAILED",
  "REMOVED",
  "GOING_DOWN",
  "INACTIVE",
  "PAUSE_FAILED",
  "RESTORE_FAILED",
] as const satisfies readonly ProjectStatus[];

/** The services a freshly provisioned project must report healthy before the stack uses it. */
export const REQUIRED_SERVICES = ["db", "pooler", "auth", "rest"] as const satisfies readonly ServiceName[];
/** The Data API's service: a project whose Data API is disabled (empty db_schema) has none to wait for. */
export const DATA_API_SERVICE = "rest" as const satisfies ServiceName;

/** Compute add-on variants are `ci_<instance size>` (ApplyProjectAddonBody.addon_variant). */
export const COMPUTE_ADDON_PREFIX = "ci_";
/** The size of a project without a compute add-on (the Free plan's): not an add-on variant, so no resize reaches it. */
export const SMALLEST_INSTANCE_SIZE = "nano" as const satisfies InstanceSize;

/** V1CreateProjectBody.name maxLength (V1UpdateProjectBody adds minLength 1). */
export const PROJECT_NAME_MAX_LENGTH = 256;
/** V1CreateProjectBody.organization_slug pattern. */
export const ORGANIZATION_SLUG_PATTERN = /^[\w-]+$/;
/** Path parameter `ref`: 20 lowercase letters. */
export const PROJECT_REF_PATTERN = /^[a-z]{20}$/;

// Referenced so noUnusedLocals keeps the compile-time checks.
export const SPEC_ENUMS_CHECKED = regionsMatchSpec && instanceSizesMatchSpec;
