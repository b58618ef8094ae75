// The test engine's own parts that decide how the program is started and what the stand-ins
// return: pwd/entry from `main` as the CLI derives them, PULUMI_CONFIG as the language host
// builds it, the state file's secret handling, and RandomPassword's honouring of its inputs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../support/cluster";
import { configEnvironment, programLaunch, pwdAndEntry, stackConfig } from "../../tools/engine/project";
import { generatePassword, RandomPasswordStandIn } from "../../tools/engine/providers";
import { deserializeState, serializeState } from "../../tools/engine/state";
import { secret } from "../../tools/engine/wire";

describe("how the engine starts the program", () => {
  it("main: infra/ (a folder) is the working directory with entry '.'; a file gives its folder and name", () => {
    expect(programLaunch(REPO_ROOT)).toMatchObject({ project: "supabase-analytics", pwd: path.join(REPO_ROOT, "infra"), entry: ".", typescript: true, nodeargs: [] });
    expect(pwdAndEntry(REPO_ROOT, "infra/index.ts")).toEqual({ pwd: path.join(REPO_ROOT, "infra"), entry: "index.ts" });
    expect(pwdAndEntry(REPO_ROOT, undefined)).toEqual({ pwd: REPO_ROOT, entry: "." });
    expect(() => pwdAndEntry(REPO_ROOT, "nowhere/")).toThrow(/project 'main' could not be read/);
  });

  it("runtime.options typescript, tsconfig and nodeargs reach the launch as the language host reads them", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-project-"));
    try {
      fs.mkdirSync(path.join(root, "src"));
      fs.writeFileSync(path.join(root, "src/main.ts"), "export {};\n");
      fs.writeFileSync(
        path.join(root, "Pulumi.yaml"),
        [
          "name: sample",
          "main: src/main.ts",
          "runtime:",
          "  name: nodejs",
          "  options:",
          "    typescript: false",
          "    tsconfig: tsconfig.pulumi.json",
          "    nodeargs: --max-old-space-size=4096 --title 'two words'",
          "",
        ].join("\n"),
      );
      expect(programLaunch(root)).toEqual({
        project: "sample",
        rootDirectory: root,
        pwd: path.join(root, "src"),
        entry: "main.ts",
        typescript: false,
        tsconfig: "tsconfig.pulumi.json",
        nodeargs: ["--max-old-space-size=4096", "--title", "two words"],
      });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("the working directory has the tsconfig.json the runtime reads, with the project's target and module", () => {
    const ts = require("typescript") as typeof import("typescript");
    const file = path.join(programLaunch(REPO_ROOT).pwd, "tsconfig.json");
    // What @pulumi/pulumi's loadTypeScriptCompilerOptions reads: this file's compilerOptions only.
    const own = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8")).config.compilerOptions;
    expect(own).toMatchObject({ target: "ES2022", module: "commonjs", moduleResolution: "node" });
  });

  it("PULUMI_CONFIG has Pulumi.yaml defaults and values, the stack file and the caller's keys, as ns:config:name", () => {
    const config = stackConfig(REPO_ROOT, "local", { databaseUrl: "postgresql://u:p@h/d" }, ["databaseUrl"]);
    const env = configEnvironment(config);
    const values = JSON.parse(env.PULUMI_CONFIG) as Record<string, string>;
    expect(values).toMatchObject({
      "supabase-analytics:config:target": "postgres",
      "supabase-analytics:config:refreshSchedule": "*/30 * * * *",
      "supabase-analytics:config:provisioningTimeoutMinutes": "10",
      "supabase-analytics:config:databaseUrl": "postgresql://u:p@h/d",
      "supabase:config:apiUrl": "https://api.supabase.com",
    });
    expect(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS)).toEqual(["supabase-analytics:databaseUrl"]);
  });
});

describe("the state file", () => {
  it("keeps secrets only encrypted inside their wrapper, and reads them back", () => {
    const state = {
      resources: [
        {
          urn: "urn:pulumi:local::supabase-analytics::t::n",
          type: "t",
          name: "n",
          custom: true,
          id: "1",
          inputs: { connection: secret("postgresql://u:hunter2@h/d"), nested: { list: [secret("inner-secret")] } },
          outputs: { plain: "visible" },
          dependencies: [],
          protect: false,
          retainOnDelete: false,
          deleteBeforeReplace: false,
          additionalSecretOutputs: [],
        },
      ],
    };
    const text = serializeState(state, "passphrase");
    expect(text).not.toMatch(/hunter2|inner-secret/);
    expect(text).toContain("visible");
    expect(deserializeState(text, "passphrase")).toEqual(state);
    expect(() => deserializeState(text, "another passphrase")).toThrow();
  });
});

describe("the RandomPassword stand-in", () => {
  it("honours length and the character classes, and replaces on any input change", async () => {
    expect(generatePassword({ length: 40, special: false, upper: true, lower: true, numeric: true })).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(generatePassword({ length: 12, upper: false, lower: false, special: false, numeric: true })).toMatch(/^[0-9]{12}$/);
    expect(generatePassword({ length: 8, overrideSpecial: "#", lower: false, upper: false, numeric: false, minSpecial: 8 })).toBe("########");
    const standIn = new RandomPasswordStandIn();
    const ref = { urn: "u", type: "random:index/randomPassword:RandomPassword", name: "p" };
    const { inputs } = await standIn.check(ref, {}, { length: 40, special: false });
    const created = await standIn.create(ref, inputs);
    expect(created.outputs).toMatchObject({ length: 40, special: false, result: expect.stringMatching(/^[A-Za-z0-9]{40}$/) });
    expect(await standIn.diff(ref, created.id, inputs, created.outputs, { ...inputs, length: 32 })).toEqual({ changes: true, replaces: ["length"], deleteBeforeReplace: false });
    expect((await standIn.check(ref, {}, { length: 0 })).failures).toEqual([{ property: "length", reason: expect.stringContaining("at least 1") }]);
  });
});
