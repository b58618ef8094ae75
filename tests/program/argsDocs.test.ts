// Every field of every resource's Args (the inputs a program passes to a resource or to the
// component) is documented with TSDoc, including `@default`: what happens when it is left out,
// or `none (required)`. Read with the TypeScript compiler's own parser.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../support/cluster";

const INFRA = path.join(REPO_ROOT, "infra");
/** Generated from the Management API spec: no resource Args there. */
const GENERATED = new Set([path.join(INFRA, "supabase", "management-api.d.ts")]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !GENERATED.has(full) ? [full] : [];
  });
}

interface ArgsField {
  field: string;
  documented: boolean;
  hasDefault: boolean;
}

function argsFields(file: string): ArgsField[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const fields: ArgsField[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || !node.name.text.endsWith("Args")) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member)) continue;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const text = docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "").join("").trim();
      const hasDefault = docs.some((doc) => (doc.tags ?? []).some((tag) => tag.tagName.text === "default" && (ts.getTextOfJSDocComment(tag.comment) ?? "").trim() !== ""));
      fields.push({ field: `${path.relative(REPO_ROOT, file)} ${node.name.text}.${member.name.getText(source)}`, documented: text !== "", hasDefault });
    }
  });
  return fields;
}

describe("resource Args TSDoc", () => {
  const fields = sourceFiles(INFRA).flatMap(argsFields);

  it("finds the Args of every resource and of the component", () => {
    const interfaces = new Set(fields.map((entry) => entry.field.split(" ")[1].split(".")[0]));
    expect([...interfaces].sort()).toEqual(
      expect.arrayContaining([
        "AnalyticsFoundationArgs", "AdoptedProjectArgs", "AuthHookArgs", "CronJobArgs", "ExtensionArgs", "GrantArgs",
        "ManagementApiArgs", "MigrationArgs", "NewProjectArgs", "PostgresArgs", "PostgrestConfigArgs",
      ]),
    );
  });

  it("documents every field, with @default", () => {
    const lacking = fields.filter((entry) => !entry.documented || !entry.hasDefault).map((entry) => `${entry.field}: ${entry.documented ? "no @default" : "no TSDoc"}`);
    expect(lacking).toEqual([]);
  });
});
