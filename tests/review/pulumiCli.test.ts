// Finding the Pulumi CLI, and `npm run drift|preview|plan --stack` without one: they run here as
// child processes with the npm wrapper (which would download the CLI) first on PATH, and must
// exit 1 at once with instructions, without trying a download.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { automationRootFor, PulumiCliMissingError, resolvePulumiCli } from "../../scripts/lib/pulumiCli";

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, "../..");
const NODE_DIR = path.dirname(process.execPath);

let sandbox: string;
/** A stand-in for the npm `pulumi` package's node_modules/.bin wrapper (not a dependency here): "downloads" into PULUMI_HOME when run. */
let wrapperBin: string;

beforeAll(() => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "review-cli-"));
  wrapperBin = path.join(sandbox, "wrapper", "node_modules", ".bin");
  fs.mkdirSync(wrapperBin, { recursive: true });
  fs.writeFileSync(path.join(wrapperBin, "pulumi"), '#!/bin/sh\nmkdir -p "$PULUMI_HOME/bin"\necho v3.265.0\n', { mode: 0o755 });
});

afterAll(() => {
  fs.rmSync(sandbox, { recursive: true, force: true });
});

/** A stand-in `pulumi` executable that answers `pulumi version` like the real one. */
function cliScript(dir: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "pulumi");
  fs.writeFileSync(file, `#!/bin/sh\nif [ "$1" = version ]; then echo v${version}; exit 0; fi\nexit 3\n`, { mode: 0o755 });
  return file;
}

/** Environment with no real CLI: node, a node_modules/.bin holding the npm wrapper, and the system folders. */
function envWithoutCli(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    HOME: process.env.HOME,
    PATH: [NODE_DIR, wrapperBin, "/usr/bin", "/bin"].join(path.delimiter),
    // An empty Pulumi home: no CLI cached by an earlier download.
    PULUMI_HOME: path.join(sandbox, "pulumi-home"),
    ...extra,
  };
  return env;
}

describe("resolvePulumiCli", () => {
  test("PULUMI_CLI_PATH comes first", async () => {
    const explicit = cliScript(path.join(sandbox, "explicit"), "3.301.0");
    const onPath = cliScript(path.join(sandbox, "onpath"), "3.300.0");
    const cli = await resolvePulumiCli({ env: { PATH: path.dirname(onPath), PULUMI_CLI_PATH: explicit } });
    expect(cli).toEqual({ path: explicit, version: "3.301.0", source: "PULUMI_CLI_PATH" });
  });

  test("a broken PULUMI_CLI_PATH is reported, not replaced by another CLI", async () => {
    const onPath = cliScript(path.join(sandbox, "onpath2"), "3.300.0");
    const missing = path.join(sandbox, "nope", "pulumi");
    const attempt = resolvePulumiCli({ env: { PATH: path.dirname(onPath), PULUMI_CLI_PATH: missing } });
    await expect(attempt).rejects.toBeInstanceOf(PulumiCliMissingError);
    await expect(attempt).rejects.toThrow(`PULUMI_CLI_PATH=${missing} is not an executable file`);
  });

  test("a real binary on PATH is used; the npm wrapper in node_modules/.bin is skipped", async () => {
    // node_modules/.bin/pulumi first on PATH, a real CLI after it.
    const real = cliScript(path.join(sandbox, "real", "bin"), "3.299.1");
    const cli = await resolvePulumiCli({ env: { PATH: [wrapperBin, path.dirname(real)].join(path.delimiter) } });
    expect(cli).toEqual({ path: real, version: "3.299.1", source: "PATH" });
  });

  test("with only the npm wrapper, it fails at once: no download is tried", async () => {
    const env = envWithoutCli();
    const attempt = resolvePulumiCli({ env });
    await expect(attempt).rejects.toBeInstanceOf(PulumiCliMissingError);
    const error = (await attempt.catch((e: unknown) => e)) as PulumiCliMissingError;
    expect(error.attempts).toEqual([
      "PULUMI_CLI_PATH is not set",
      "no pulumi binary on PATH (the npm wrapper in node_modules/.bin does not count: it downloads the CLI)",
    ]);
    // The wrapper would have downloaded into PULUMI_HOME; nothing is there.
    expect(fs.existsSync(String(env.PULUMI_HOME))).toBe(false);
  });

  test("the Automation API root: <root>/bin/pulumi as is, anything else through a private bin/ symlink", () => {
    const standard = cliScript(path.join(sandbox, "std", "bin"), "3.300.0");
    expect(automationRootFor(standard)).toBe(path.join(sandbox, "std"));
    const odd = cliScript(path.join(sandbox, "odd"), "3.300.0");
    const root = automationRootFor(odd);
    expect(fs.realpathSync(path.join(root, "bin", "pulumi"))).toBe(fs.realpathSync(odd));
  });
});

async function runScript(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [REPO_ROOT] });
  return execFileAsync(process.execPath, [tsNode, "--transpile-only", path.join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe.each([
  ["scripts/drift.ts", "drift"],
  ["scripts/preview.ts", "preview"],
  ["scripts/plan.ts", "plan"],
])("%s without a Pulumi CLI", (script, name) => {
  test(
    "exits 1 with instructions, and writes the reason to the report files",
    async () => {
      const markdown = path.join(sandbox, `${name}.md`);
      const args = name === "plan" ? ["--stack", "dev"] : ["--stack", "dev", "--markdown", markdown];
      const result = await runScript(script, args, envWithoutCli());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${name}: The Pulumi CLI is not installed.`);
      expect(result.stderr).toContain("https://www.pulumi.com/docs/install/");
      expect(result.stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
      expect(result.stderr).toContain("pulumi/actions");
      expect(result.stderr).toContain("PULUMI_CLI_PATH");
      expect(result.stderr).toContain("no pulumi binary on PATH");
      if (name !== "plan") {
        expect(fs.readFileSync(markdown, "utf8")).toContain("The Pulumi CLI is not installed");
      }
    },
    60_000,
  );
});

test("bad flags exit 1 with the usage", async () => {
  const result = await runScript("scripts/drift.ts", ["--stack", "dev", "--colour"], envWithoutCli());
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("usage: npm run drift -- --stack <name>");
  expect(result.stderr).toContain("'--colour'");
}, 60_000);
