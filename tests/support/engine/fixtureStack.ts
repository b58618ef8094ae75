// The fixture project (./fixture) on a throwaway state file and "world" folder: the engine's
// own tests declare Things through `spec` and look at the world and the provider-call log.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, EngineOptions } from "./engine";

export interface ThingSpec {
  name: string;
  value?: number;
  label?: string;
  /** `key` (a replace key) is this Thing's `ref` output. */
  keyFrom?: string;
  dependsOn?: string[];
  protect?: boolean;
  /** "partial": the create makes the object, then fails with an initialization error. */
  fail?: "partial";
}

export interface FixtureStack {
  world: string;
  engine(things: ThingSpec[], options?: Partial<EngineOptions> & { barrier?: number }): Engine;
  /** The live object of a Thing (undefined when gone). */
  live(name: string): { value: number; extra: number } | undefined;
  setLive(name: string, object: { value: number; extra: number }): void;
  /** The most provider calls of `op` that were running at once since the last clearLog. */
  peak(op: string): number;
  calls(op: string): string[];
  /** The provider-call log: "start <op> <name> <active>" and "end <op> <name>" lines. */
  lines(): string[];
  clearLog(): void;
  dispose(): Promise<void>;
}

const FIXTURE = path.join(__dirname, "fixture");

export function fixtureStack(): FixtureStack {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-fixture-"));
  const world = path.join(dir, "world");
  fs.mkdirSync(world);
  const log = path.join(world, "log");
  const engines: Engine[] = [];
  const lines = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
  const entries = () => lines().map((line) => line.split(" "));
  const objectFile = (name: string) => path.join(world, `${name}.json`);
  return {
    world,
    engine: (things, options = {}) => {
      const { barrier, ...engineOptions } = options;
      const engine = new Engine({
        rootDirectory: FIXTURE,
        stack: "fixture",
        stateFile: path.join(dir, "state.json"),
        passphrase: "fixture",
        config: { spec: JSON.stringify({ world, barrier: barrier ?? 0, things }) },
        ...engineOptions,
      });
      engines.push(engine);
      return engine;
    },
    live: (name) => (fs.existsSync(objectFile(name)) ? JSON.parse(fs.readFileSync(objectFile(name), "utf8")) : undefined),
    setLive: (name, object) => fs.writeFileSync(objectFile(name), JSON.stringify(object)),
    peak: (op) => Math.max(0, ...entries().filter(([event, kind]) => event === "start" && kind === op).map((entry) => Number(entry[3]))),
    calls: (op) => entries().filter(([event, kind]) => event === "start" && kind === op).map((entry) => entry[2]),
    lines,
    clearLog: () => fs.rmSync(log, { force: true }),
    dispose: async () => {
      for (const engine of engines) await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
