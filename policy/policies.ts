// The policies of the supabase-analytics pack. index.ts hands them to the PolicyPack; tests and
// outside checks import this array and call the policies directly.
import type { Policies } from "@pulumi/policy";
import { adminGrantsPolicy } from "./policies/adminGrants";
import { authHookRegisteredPolicy } from "./policies/authHookRegistered";
import { migrationsPolicy } from "./policies/migrations";
import { noAnonymousAccessPolicy } from "./policies/noAnonymousAccess";
import { pgCronEnabledPolicy } from "./policies/pgCronEnabled";
import { productionProtectionPolicy } from "./policies/productionProtection";
import { refreshSchedulePolicy } from "./policies/refreshSchedule";
import { schemaDriftPolicy } from "./policies/schemaDrift";
import { secretsPolicy } from "./policies/secrets";
import { sqlSecurityPolicy } from "./policies/sqlSecurity";

export const policies: Policies = [
  refreshSchedulePolicy,
  adminGrantsPolicy,
  noAnonymousAccessPolicy,
  pgCronEnabledPolicy,
  authHookRegisteredPolicy,
  migrationsPolicy,
  sqlSecurityPolicy,
  secretsPolicy,
  productionProtectionPolicy,
  schemaDriftPolicy,
];
