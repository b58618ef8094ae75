// The pack as the Pulumi CLI loads it: PulumiPolicy.yaml, package.json (read by the SDK for the
// version), index.ts with nothing but the PolicyPack call, dependencies resolving from policy/.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { parse } from "yaml";

const PACK_DIR = path.resolve(__dirname, "../../policy");

describe("the policy pack layout", () => {
  it("declares the nodejs runtime in PulumiPolicy.yaml", () => {
    const manifest = parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8")) as { runtime?: unknown; description?: unknown };
    expect(manifest.runtime).toBe("nodejs");
    expect(manifest.description).toEqual(expect.any(String));
  });

  it("has a package.json with a name and a version and nothing to install", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.name).toEqual(expect.any(String));
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
  });

  it("resolves its dependencies from the repository's node_modules", () => {
    const root = path.resolve(PACK_DIR, "..", "node_modules");
    for (const dependency of ["@pulumi/policy", "libpg-query"]) {
      expect(require.resolve(dependency, { paths: [PACK_DIR] }).startsWith(root)).toBe(true);
    }
  });

  it("has an index.ts that only constructs the PolicyPack from ./policies", () => {
    const source = ts.createSourceFile("index.ts", fs.readFileSync(path.join(PACK_DIR, "index.ts"), "utf8"), ts.ScriptTarget.ES2022, true);
    const statements = source.statements.filter((statement) => !ts.isImportDeclaration(statement));
    expect(statements).toHaveLength(1);
    expect(statements[0].getText(source)).toBe('new PolicyPack("supabase-analytics", { policies });');
    const imports = source.statements.filter(ts.isImportDeclaration).map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text);
    expect(imports.sort()).toEqual(["./policies", "@pulumi/policy"]);
  });
});
