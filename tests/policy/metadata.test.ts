// Each policy's metadata: name format, description, enforcement level and property order
// (name, description, enforcementLevel, configSchema where it takes options, then validation).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Policies } from "@pulumi/policy";
import { policies } from "../../policy/policies";

const POLICY_DIR = path.resolve(__dirname, "../../policy/policies");

const EXPECTED: Array<{ name: string; file: string; validation: "validateStack" | "validateResource"; configSchema?: string[] }> = [
  { name: "supabase-analytics-refresh-schedule", file: "refreshSchedule.ts", validation: "validateStack", configSchema: ["schedule"] },
  { name: "supabase-analytics-admin-grants", file: "adminGrants.ts", validation: "validateStack", configSchema: ["grants"] },
  { name: "supabase-analytics-no-anonymous-access", file: "noAnonymousAccess.ts", validation: "validateResource" },
  { name: "supabase-analytics-pg-cron-enabled", file: "pgCronEnabled.ts", validation: "validateStack" },
  { name: "supabase-analytics-auth-hook-registered", file: "authHookRegistered.ts", validation: "validateStack", configSchema: ["hookUri", "hookGrants"] },
  { name: "supabase-analytics-migrations", file: "migrations.ts", validation: "validateStack" },
  { name: "supabase-analytics-sql-security", file: "sqlSecurity.ts", validation: "validateStack" },
  { name: "supabase-analytics-secrets", file: "secrets.ts", validation: "validateResource" },
  { name: "supabase-analytics-production-protection", file: "productionProtection.ts", validation: "validateStack", configSchema: ["productionStackPrefix"] },
  { name: "supabase-analytics-schema-security-drift", file: "schemaDrift.ts", validation: "validateStack" },
];

function policyNamed(name: string): Policies[number] {
  const policy = policies.find((candidate) => candidate.name === name);
  if (!policy) throw new Error(`the pack has no policy ${name}`);
  return policy;
}

describe("policy metadata", () => {
  it("the pack holds the ten policies, in order, each name once", () => {
    expect(policies.map((policy) => policy.name)).toEqual(EXPECTED.map((expected) => expected.name));
  });

  describe.each(EXPECTED)("$name", ({ name, file, validation, configSchema }) => {
    const policy = policyNamed(name);

    it("is named supabase-analytics-<what-it-checks>", () => {
      expect(policy.name).toMatch(/^supabase-analytics-[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    it("has a description: one or more sentences, at most 300 characters", () => {
      expect(policy.description).toMatch(/^[A-Z].*\.$/s);
      expect(policy.description.length).toBeLessThanOrEqual(300);
    });

    it("is mandatory", () => {
      expect(policy.enforcementLevel).toBe("mandatory");
    });

    it("lists its properties in the order name, description, enforcementLevel, configSchema, validation", () => {
      expect(Object.keys(policy)).toEqual(["name", "description", "enforcementLevel", ...(configSchema ? ["configSchema"] : []), validation]);
      expect(typeof (policy as unknown as Record<string, unknown>)[validation]).toBe("function");
    });

    it(configSchema ? "declares its options with defaults" : "takes no options", () => {
      const schema = policy.configSchema;
      if (!configSchema) {
        expect(schema).toBeUndefined();
        return;
      }
      expect(Object.keys(schema?.properties ?? {})).toEqual(configSchema);
      for (const property of Object.values(schema?.properties ?? {})) {
        expect(property).toEqual(expect.objectContaining({ type: expect.stringMatching(/^(string|array)$/), default: expect.anything(), description: expect.any(String) }));
        expect(typeof property.default).toBe(property.type === "array" ? "object" : property.type);
      }
    });

    it(`lives in its own file, policy/policies/${file}`, () => {
      const exported = Object.values(require(path.join(POLICY_DIR, file)) as Record<string, unknown>).filter(
        (value) => typeof value === "object" && value !== null && "enforcementLevel" in value,
      );
      expect(exported).toEqual([policy]);
    });
  });

  it("policy/policies holds one file per policy and nothing else", () => {
    expect(fs.readdirSync(POLICY_DIR).sort()).toEqual(EXPECTED.map((expected) => expected.file).sort());
  });
});
