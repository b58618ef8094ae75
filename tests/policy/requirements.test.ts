// The pack states its requirements itself (policy/requirements.ts), as configuration defaults,
// and never reads them from the program it checks. They are a copy of the program's
// declarations (infra/adminSurface.ts, the single source of truth): this test names every
// entry one has and the other lacks, so a view or a grant added to the program is added to the
// pack's defaults too, on purpose.
import * as program from "../../infra/adminSurface";
import { grantText } from "../../policy/lib/config";
import * as requirements from "../../policy/requirements";

/** Entries of `a` that `b` lacks, and the reverse, by their text. */
function difference(a: readonly string[], b: readonly string[]): { onlyInProgram: string[]; onlyInPack: string[] } {
  return { onlyInProgram: a.filter((entry) => !b.includes(entry)), onlyInPack: b.filter((entry) => !a.includes(entry)) };
}

const NONE = { onlyInProgram: [], onlyInPack: [] };

describe("the pack's defaults (policy/requirements.ts) equal the program's declarations (infra/adminSurface.ts)", () => {
  it("lists the same views, in the same order", () => {
    expect(difference(program.ANALYTICS_VIEWS, requirements.ANALYTICS_VIEWS)).toEqual(NONE);
    expect(requirements.ANALYTICS_VIEWS).toEqual(program.ANALYTICS_VIEWS);
  });

  it("requires exactly the declared grants: the admin surface and the hook grants", () => {
    expect(difference(program.ALL_GRANTS.map(grantText), requirements.ADMIN_GRANTS.map(grantText))).toEqual(NONE);
    expect(difference(program.HOOK_GRANTS.map(grantText), requirements.HOOK_GRANTS.map(grantText))).toEqual(NONE);
    expect(requirements.ADMIN_GRANTS).toHaveLength(new Set(requirements.ADMIN_GRANTS.map(grantText)).size);
  });

  it("expects the declared refresh job, hook URI and schema", () => {
    expect({
      jobName: requirements.REFRESH_JOB_NAME,
      command: requirements.REFRESH_COMMAND,
      schedule: requirements.REFRESH_SCHEDULE,
      hookUri: requirements.HOOK_URI,
      hookFunction: `${requirements.HOOK_FUNCTION.schema}.${requirements.HOOK_FUNCTION.name}(jsonb)`,
      schema: requirements.ANALYTICS_SCHEMA,
    }).toEqual({
      jobName: program.REFRESH_JOB.name,
      command: program.REFRESH_JOB.command,
      schedule: program.REFRESH_JOB.defaultSchedule,
      hookUri: program.CUSTOM_ACCESS_TOKEN_HOOK_URI,
      hookFunction: program.CUSTOM_ACCESS_TOKEN_HOOK,
      schema: program.ANALYTICS_SCHEMA,
    });
  });
});
