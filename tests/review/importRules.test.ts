// The import directions of eslint.config.mjs, through ESLint's Node API with the repository's own
// config: each forbidden import fails lint with its reason, each allowed one passes. ESLint loads
// its ESM config with a dynamic import, which jest's module sandbox cannot run, so the linting
// happens in a plain node child process.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "../..");

interface Finding {
  severity: number;
  message: string;
}

/** Lints each `{ file, code }` (files need not exist) with the repository's config; no-restricted-imports findings per entry. */
const LINT_SCRIPT = `
const { ESLint } = require("eslint");
const path = require("node:path");
const cases = JSON.parse(process.argv[1]);
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const { file, code } of cases) {
    const [result] = await eslint.lintText(code, { filePath: path.resolve(file) });
    out.push(result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => ({ severity: m.severity, message: m.message })));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { process.stderr.write(String(error.stack)); process.exit(1); });
`;

async function lint(cases: Array<{ file: string; code: string }>): Promise<Finding[][]> {
  const { stdout } = await execFileAsync(process.execPath, ["-e", LINT_SCRIPT, JSON.stringify(cases)], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Finding[][];
}

function importLine(specifier: string): string {
  return `import { something } from "${specifier}";\nexport const used = something;\n`;
}

const ERROR = 2;

const FORBIDDEN: Array<[file: string, specifier: string, reason: string]> = [
    ["policy/policies/example.ts", "../../infra/adminSurface", "The policy pack imports nothing from infra/"],
    ["policy/lib/example.ts", "../../infra/migrations", "The policy pack imports nothing from infra/"],
    ["bench/example.ts", "../tests/support/db", "Only tests/ may import tests/"],
    ["scripts/lib/example.ts", "../../tests/support/cluster", "Only tests/ may import tests/"],
    ["infra/postgres/example.ts", "../../tests/support/db", "Only tests/ may import tests/"],
    ["tools/engine/example.ts", "../../tests/support/cluster", "Only tests/ may import tests/"],
    ["tools/engine/example.ts", "../../infra/postgres/connection", "Import the module's public entry"],
    ["bench/example.ts", "../tools/engine/engine", "Import a tool's public entry"],
    ["scripts/lib/example.ts", "../../infra/postgres/connection", "Import the module's public entry"],
    ["bench/example.ts", "../infra/migrations/history", "Import the module's public entry"],
    ["infra/postgres/example.ts", "../analyticsFoundation", "A provider imports only the shared modules' entries"],
    ["infra/supabase/example.ts", "../postgres", "A provider imports only the shared modules' entries"],
    ["infra/postgres/example.ts", "../toolkit/errors", "A provider imports only the shared modules' entries"],
    ["infra/migrations/example.ts", "../postgres", "The migrations module imports only ../toolkit"],
    ["infra/toolkit/example.ts", "../migrations", "The toolkit is the bottom layer"],
    ["infra/example.ts", "./postgres/connection", "The program imports a module's public entry"],
    ["infra/example.ts", "./postgres", "The program imports the resource declarations"],
    ["infra/example.ts", "./supabase", "The program imports the resource declarations"],
];

const ALLOWED: Array<[file: string, specifier: string]> = [
    ["infra/example.ts", "./postgres/resources"],
    ["infra/example.ts", "./supabase/resources"],
    ["infra/example.ts", "./migrations"],
    ["infra/postgres/example.ts", "../toolkit"],
    ["infra/postgres/example.ts", "../migrations"],
    ["infra/postgres/example.ts", "./connection"],
    ["infra/migrations/example.ts", "../toolkit"],
    ["scripts/lib/example.ts", "../../infra/migrations"],
    ["bench/example.ts", "../infra/postgres"],
    ["bench/example.ts", "../tools/engine"],
    ["tools/engine/example.ts", "./wire"],
    ["tests/e2e/example.test.ts", "../../tools/engine/engine"],
    ["policy/policies/example.ts", "../lib/resources"],
    ["tests/policy/example.test.ts", "../support/mockProgram"],
    ["tests/sql/example.test.ts", "../../infra/postgres/connection"],
];

let forbidden: Finding[][];
let allowed: Finding[][];

beforeAll(async () => {
  const results = await lint([...FORBIDDEN, ...ALLOWED].map(([file, specifier]) => ({ file, code: importLine(specifier) })));
  forbidden = results.slice(0, FORBIDDEN.length);
  allowed = results.slice(FORBIDDEN.length);
}, 120_000);

describe("import directions", () => {
  it.each(FORBIDDEN.map((entry, index) => [...entry, index] as const))("%s may not import %s", (_file, _specifier, reason, index) => {
    expect(forbidden[index]).toContainEqual({ severity: ERROR, message: expect.stringContaining(reason) });
  });

  it.each(ALLOWED.map((entry, index) => [...entry, index] as const))("%s may import %s", (_file, _specifier, index) => {
    expect(allowed[index]).toEqual([]);
  });
});
