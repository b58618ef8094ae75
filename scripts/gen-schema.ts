// `npm run gen:schema`: writes sql/schema.json, the expected schema, from a fresh deploy of
// sql/migrations on a throwaway local cluster (the Supabase look-alike, as the demoted
// `postgres`). `npm run gen:schema:check` (part of `npm test`) fails when the committed file
// differs from what this generates. See docs/schema-drift.md.
import * as fs from "node:fs";
import * as path from "node:path";
import { expectedSchemaPath, expectedSchemaText } from "../infra/expectedSchema";
import { loadMigrations, MIGRATIONS_DIR } from "../infra/migrations";
import { generateExpectedSchema } from "./lib/expectedSchema";
import { prepareTemplateDatabase, REPO_ROOT, startCluster, stopCluster } from "./lib/localCluster";

async function main(check: boolean): Promise<number> {
  const file = expectedSchemaPath(MIGRATIONS_DIR);
  const shown = path.relative(REPO_ROOT, file);
  const cluster = await startCluster();
  let text: string;
  try {
    await prepareTemplateDatabase(cluster.adminUrl);
    text = expectedSchemaText(await generateExpectedSchema(cluster, loadMigrations()));
  } finally {
    stopCluster(cluster);
  }
  if (!check) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${shown}`);
    return 0;
  }
  const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  if (committed === text) {
    console.log(`${shown} is current with sql/migrations.`);
    return 0;
  }
  console.error(`${shown} is ${committed === undefined ? "missing" : "stale: it differs from a fresh deploy of sql/migrations"}. run npm run gen:schema and commit the result.`);
  return 1;
}

main(process.argv.includes("--check")).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
