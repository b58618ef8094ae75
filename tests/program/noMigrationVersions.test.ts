// The program, the policy pack and the tools never name a migration version: what a resource
// waits for is the migration chain's newest link, so adding or re-creating something in a new
// migration touches no TypeScript. A version written into code goes stale the day a later
// migration re-creates the object (a grant raced such a migration once).
import * as fs from "node:fs";
import * as path from "node:path";
import { loadMigrations } from "../../infra/migrations";
import { REPO_ROOT } from "../support/cluster";

const CHECKED_FOLDERS = ["infra", "policy", "scripts"];
const CODE = /\.(ts|js|mjs|cjs)$/;

function codeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : codeFiles(full);
    return CODE.test(entry.name) ? [full] : [];
  });
}

describe("no migration version in infra/, policy/ or scripts/", () => {
  it("names none of the versions of sql/migrations", () => {
    const versions = new Set(loadMigrations().map((migration) => migration.version));
    const found: string[] = [];
    for (const folder of CHECKED_FOLDERS) {
      for (const file of codeFiles(path.join(REPO_ROOT, folder))) {
        fs.readFileSync(file, "utf8")
          .split("\n")
          .forEach((line, index) => {
            for (const match of line.matchAll(/\d{14}/g)) {
              if (versions.has(match[0])) found.push(`${path.relative(REPO_ROOT, file)}:${index + 1}: ${match[0]}`);
            }
          });
      }
    }
    expect(found).toEqual([]);
  });
});
