// Imports run one way: nothing outside tests/ may import tests/ (the bench and scripts use
// shared modules such as scripts/lib/localCluster.ts instead).
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/cluster";

const OUTSIDE_TESTS = ["infra", "scripts", "bench", "policy", "tools"];
const IMPORT_OF_TESTS = /(?:from\s+|require\(\s*|import\(\s*)["'](?:\.\.?\/)+(?:\.\.\/)*tests\//;

function typeScriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : typeScriptFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("import direction", () => {
  it("finds no import of tests/ outside tests/", () => {
    const offenders = OUTSIDE_TESTS.flatMap((dir) => typeScriptFiles(path.join(REPO_ROOT, dir)))
      .filter((file) => IMPORT_OF_TESTS.test(fs.readFileSync(file, "utf8")))
      .map((file) => path.relative(REPO_ROOT, file));
    expect(offenders).toEqual([]);
  });

  it("recognises such an import (the check can fail)", () => {
    expect(IMPORT_OF_TESTS.test('import { startCluster } from "../tests/support/cluster";')).toBe(true);
    expect(IMPORT_OF_TESTS.test('import { x } from "../scripts/lib/localCluster";')).toBe(false);
  });
});
