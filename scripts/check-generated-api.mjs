// Fails when infra/supabase/management-api.d.ts is not what `npm run gen:api` makes from
// infra/supabase/openapi.json, so the committed types can never drift from the committed spec.
// It runs the same openapi-typescript CLI as `npm run gen:api`, into a temporary file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const spec = join(root, "infra/supabase/openapi.json");
const committed = join(root, "infra/supabase/management-api.d.ts");

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("openapi-typescript/package.json")), "bin/cli.js");

const scratch = mkdtempSync(join(tmpdir(), "gen-api-check-"));
try {
  const fresh = join(scratch, "management-api.d.ts");
  execFileSync(process.execPath, [cli, spec, "-o", fresh], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  let current;
  try {
    current = readFileSync(committed, "utf8");
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    console.error(`${committed} is missing: run npm run gen:api and commit the result.`);
    process.exit(1);
  }
  if (readFileSync(fresh, "utf8") !== current) {
    console.error(
      "infra/supabase/management-api.d.ts is stale: it differs from what openapi-typescript generates " +
        "from infra/supabase/openapi.json. run npm run gen:api and commit the result.",
    );
    process.exit(1);
  }
  console.log("infra/supabase/management-api.d.ts is current with infra/supabase/openapi.json.");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
