// The resource declarations (infra/postgres/resources.ts, infra/supabase/resources.ts) name each
// provider by file and export instead of holding it, so the program's run neither loads nor
// type-checks provider code. Checked here: every name points at a provider, the `__provider`
// reference keeps its text (module path and export), and loading the program loads no provider.
import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { POSTGRES_RESOURCE_TYPES } from "../../infra/postgres";
import { SUPABASE_RESOURCE_TYPES } from "../../infra/supabase";
import { providerCode } from "../../infra/toolkit/dynamicResource";
import { REPO_ROOT } from "../support/cluster";

const execFileAsync = promisify(execFile);
const TYPES = [...POSTGRES_RESOURCE_TYPES, ...SUPABASE_RESOURCE_TYPES];
const PROVIDER_METHODS = ["check", "diff", "create", "read", "update", "delete"];

/** Loads infra/index.ts as cmd/run does (ts-node, infra/tsconfig.json) in a fresh process and lists the infra/ files it loaded. */
const LOADED_SCRIPT = `
require("ts-node").register({ transpileOnly: true, project: "tsconfig.json" });
require("./index.ts");
process.stdout.write(JSON.stringify(Object.keys(require.cache)));
`;

/** Loads a `__provider` text as the dynamic-provider plugin does (require-from-string, no filename) and lists the provider's methods. */
const PLUGIN_LOAD_SCRIPT = `
const provider = require("require-from-string")(process.argv[1]).handler();
process.stdout.write(JSON.stringify(Object.keys(provider).filter((key) => typeof provider[key] === "function").sort()));
`;

function loadAsPlugin(code: string, cwd: string): Promise<{ stdout: string }> {
  // NODE_PATH: the plugin itself resolves require-from-string from @pulumi/pulumi's own install.
  return execFileAsync(process.execPath, ["-e", PLUGIN_LOAD_SCRIPT, code], { cwd, env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, "node_modules") } });
}

describe("resource declarations", () => {
  it.each(TYPES.map((kind) => [`${kind.module}:${kind.type}`, kind] as const))("%s names a file that exports its provider", (_token, kind) => {
    const exported = (require(kind.file) as Record<string, Record<string, unknown>>)[kind.exportName];
    expect(exported).toBeDefined();
    for (const method of PROVIDER_METHODS) expect(typeof exported[method]).toBe("function");
  });

  it("the __provider reference names the provider's module under infra/ and its export", () => {
    const grant = TYPES.find((kind) => kind.type === "Grant")!;
    expect(providerCode(grant)).toContain(`.provider("postgres/grant","grantProvider")`);
    const project = TYPES.find((kind) => kind.type === "Project")!;
    expect(providerCode(project)).toContain(`.provider("supabase/project","projectProvider")`);
  });

  it.each(["infra", ".", "tests/sql"])(
    "the __provider reference loads its provider in a fresh process started in %s (the CLI uses infra/; a harness may use the root)",
    async (dir) => {
      const grant = TYPES.find((kind) => kind.type === "Grant")!;
      const { stdout } = await loadAsPlugin(providerCode(grant), path.join(REPO_ROOT, dir));
      expect(JSON.parse(stdout)).toEqual(expect.arrayContaining(PROVIDER_METHODS));
    },
    60_000,
  );

  it("the __provider reference outside any checkout says what it could not find, and from where", async () => {
    const grant = TYPES.find((kind) => kind.type === "Grant")!;
    await expect(loadAsPlugin(providerCode(grant), os.tmpdir())).rejects.toThrow(`infra/toolkit/providerHost.js not found from ${os.tmpdir()}`);
  });

  it(
    "loading the program loads no provider file",
    async () => {
      const { stdout } = await execFileAsync(process.execPath, ["-e", LOADED_SCRIPT], { cwd: path.join(REPO_ROOT, "infra"), maxBuffer: 16 * 1024 * 1024 });
      const loaded = new Set(JSON.parse(stdout) as string[]);
      expect(loaded.has(path.join(REPO_ROOT, "infra/analyticsFoundation.ts"))).toBe(true);
      expect(TYPES.map((kind) => kind.file).filter((file) => loaded.has(file))).toEqual([]);
    },
    60_000,
  );
});
