// package.json declares exactly what the code uses: every package imported or required from
// infra/, policy/, scripts/, bench/ and tests/ (or named by a tool's config or an npm script)
// is declared, and every declared package is used. An undeclared package works only while
// another one happens to pull it in; an unused one is weight and attack surface.
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { REPO_ROOT } from "../support/cluster";

const CODE_FOLDERS = ["infra", "policy", "scripts", "bench", "tests"];
const ROOT_CONFIGS = ["jest.config.js", "eslint.config.mjs"];
const CODE = /\.(ts|js|mjs|cjs)$/;
/** Module specifiers of import and export statements, dynamic import(), require() and require.resolve() (not a method such as Config.require()), jest.requireActual(). */
const SPECIFIER = /(?:^\s*(?:import|export)\b[^;]*?\bfrom\s+|^\s*\}\s*from\s+|^\s*import\s+|\bimport\s*\(\s*|(?<![.\w$])require(?:\.resolve)?\s*(?:<[^>]*>)?\s*\(\s*|\bjest\.require(?:Actual|Mock)\s*(?:<[^>]*>)?\s*\(\s*)["']([^"'./][^"']*)["']/gm;
/** What npm accepts as a package name: anything else the pattern finds is not an import. */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
/** Packages used by path or as a command rather than imported: each says where. */
const USED_OTHERWISE: Record<string, string> = {
  "@squawk-cli/linux-x64": "npm run lint:sql runs its binary",
  supabase: "tests/interop/supabaseCli.ts runs node_modules/supabase/dist/supabase.js",
  "openapi-typescript": "npm run gen:api",
  "ts-jest": "jest.config.js transform",
  "ts-node": "npm scripts and Pulumi's runtime (Pulumi.yaml) run TypeScript with it",
  typescript: "npm run typecheck (tsc)",
  jest: "npm test",
  eslint: "npm run lint",
};

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : files(full);
    return CODE.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function usedPackages(): Map<string, string> {
  const builtins = new Set(builtinModules);
  const used = new Map<string, string>();
  const sources = [...CODE_FOLDERS.flatMap((folder) => files(path.join(REPO_ROOT, folder))), ...ROOT_CONFIGS.map((file) => path.join(REPO_ROOT, file))];
  for (const file of sources) {
    for (const match of fs.readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const name = packageOf(match[1]);
      if (match[1].startsWith("node:") || builtins.has(name) || !PACKAGE_NAME.test(name)) continue;
      if (!used.has(name)) used.set(name, path.relative(REPO_ROOT, file));
    }
  }
  return used;
}

describe("package.json dependencies", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  const used = usedPackages();

  it("declares every package the code imports", () => {
    const undeclared = [...used].filter(([name]) => !declared.has(name)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(undeclared).toEqual([]);
  });

  it("uses every declared package", () => {
    const isUsed = (name: string): boolean => {
      if (used.has(name) || name in USED_OTHERWISE) return true;
      // @types/x is used when x (or Node, or jest's globals) is.
      const typed = name.startsWith("@types/") ? name.slice("@types/".length) : undefined;
      return typed !== undefined && (used.has(typed) || typed === "node" || typed === "jest");
    };
    expect([...declared].filter((name) => !isUsed(name))).toEqual([]);
  });
});
