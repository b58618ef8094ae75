// The local stack deployed as the CLI deploys it: Pulumi's own Node runtime (cmd/run, type-checking
// with ts-node as `runtime.options.typescript` asks), the dynamic-provider plugin and the engine of
// tools/engine, against the bench's cluster. After a first up: a no-op `up` and `preview --refresh`
// (the drift check), each with its phases from the engine's own timestamps, and the state's size.
// A transpile-only no-op up (PULUMI_NODEJS_TRANSPILE_ONLY=true) shows what the type check costs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, OperationResult, Timeline } from "../tools/engine";
import { machineInfo } from "./environment";
import { median, timed } from "./stats";
import type { LoadAverage, MachineInfo } from "./types";

const REPO_ROOT = path.resolve(__dirname, "..");
const STACK = "local";
const PASSPHRASE = "bench";
/** Above this 1-minute load before the start, other work competes for the cores: the results say so. */
const BUSY_LOAD = 1.0;

export type StackOperation = "noopUp" | "noopUpTranspileOnly" | "previewRefresh";

/** One run split at the engine's timestamps (milliseconds). */
export interface PhaseTimes {
  total: number;
  /** `--refresh`: reading every resource, before the program starts. */
  refresh: number;
  /** cmd/run spawned until its first registration: Node, the runtime, ts-node compiling (and type-checking) what the program imports. */
  runtimeStart: number;
  /** First registration until the last step finished: the program registering, and the provider calls it waits on. */
  program: number;
  /** Of `program`: wall time with at least one provider call running (Check, Diff, Create/Update). */
  providerCalls: number;
  /** Starting the dynamic-provider plugin, which loads the providers through infra/toolkit/providerHost.js: in `refresh` with --refresh, else in `program`. */
  pluginStart: number;
  /** Last step until cmd/run exited, and the engine's deletes, stack policies and state write. */
  finish: number;
  /** The rest: the engine reading the state before the program, stopping the plugin after. */
  engine: number;
  /**
   * CPU time (user + system) of the engine and the processes it started and reaped (cmd/run, the
   * plugin), not PostgreSQL's: less sensitive to other load than the wall times. On an idle
   * 2-core machine the wall time is at least half of it, and about all of it where the work is serial.
   */
  cpu: number;
}

export interface StackOperationResult {
  runs: PhaseTimes[];
  median: PhaseTimes;
  providerCalls: Record<string, number>;
}

export interface StackDeployResult {
  resources: number;
  /** The encrypted state file after the first up, in bytes. */
  stateBytes: number;
  /** Of stateBytes: the `__provider` references (input and output of each dynamic resource). */
  providerReferenceBytes: number;
  firstUp: PhaseTimes;
  operations: Record<StackOperation, StackOperationResult>;
}

export interface StackBenchFile {
  command: string;
  startedAt: string;
  finishedAt: string;
  git: { commit: string; dirty: boolean };
  machine: MachineInfo;
  load: { before: LoadAverage; after: LoadAverage; uptime: string };
  rounds: number;
  notes: string[];
  result: StackDeployResult;
}

const span = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? 0 : Math.max(0, to - from));

/** The phases of one run from its engine-side timeline and the wall time the bench measured. */
export function phases(timeline: Timeline, totalMs: number, cpuMs = 0): PhaseTimes {
  const beforeProgram = timeline.providerBusyBeforeProgramMs ?? 0;
  const split = {
    refresh: timeline.refreshed ?? 0,
    runtimeStart: span(timeline.programStarted, timeline.firstRegistration),
    program: span(timeline.firstRegistration, timeline.lastStepDone),
    finish: span(timeline.lastStepDone, timeline.done),
  };
  const accounted = split.refresh + split.runtimeStart + split.program + split.finish;
  return {
    total: totalMs,
    ...split,
    providerCalls: timeline.providerBusyMs - beforeProgram,
    pluginStart: timeline.pluginStartMs ?? 0,
    engine: Math.max(0, totalMs - accounted),
    cpu: cpuMs,
  };
}

function medianPhases(runs: readonly PhaseTimes[]): PhaseTimes {
  const keys = Object.keys(runs[0]) as (keyof PhaseTimes)[];
  return Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key]))])) as unknown as PhaseTimes;
}

export interface StackBenchOptions {
  /** The cron database of the bench's cluster, as the deployer (pg_cron works only there). */
  databaseUrl: string;
  rounds: number;
  log: (message: string) => void;
}

/** One operation on a fresh Engine (as each `pulumi` command starts its own plugin), closed after. */
async function operation(stateFile: string, databaseUrl: string, typeCheck: boolean, run: (engine: Engine) => Promise<OperationResult>) {
  const engine = new Engine({
    rootDirectory: REPO_ROOT,
    stack: STACK,
    stateFile,
    passphrase: PASSPHRASE,
    config: { databaseUrl },
    secretConfig: ["databaseUrl"],
    typeCheck,
  });
  const cpuBefore = cpuMs();
  try {
    const { ms, result } = await timed(() => run(engine));
    if (!result.timeline) throw new Error("the engine recorded no timeline");
    // The operation stopped its plugin (and waited for it) before returning.
    return { result, times: phases(result.timeline, ms, cpuMs() - cpuBefore) };
  } finally {
    await engine.close();
  }
}

/** Clock ticks per second of /proc (USER_HZ; `getconf CLK_TCK` is 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU milliseconds of this process (process.cpuUsage) and of its reaped children (cutime and
 * cstime of /proc/self/stat, fields 16 and 17: proc(5)).
 */
function cpuMs(): number {
  const own = process.cpuUsage();
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces; field 3 comes first.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const children = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  return (own.user + own.system) / 1000 + (children * 1000) / CLOCK_TICKS;
}

function expectNoChange(what: string, result: OperationResult): void {
  const changes = [...result.changes.map((change) => `${change.op} ${change.name}`), ...result.drift.map((drift) => `drift ${drift.name}.${drift.property}`)];
  if (changes.length > 0) throw new Error(`${what} was expected to change nothing but shows: ${changes.join(", ")}`);
}

const OPERATIONS: Record<StackOperation, { label: string; typeCheck: boolean; run: (engine: Engine) => Promise<OperationResult> }> = {
  noopUp: { label: "no-op up", typeCheck: true, run: (engine) => engine.up() },
  previewRefresh: { label: "preview --refresh", typeCheck: true, run: (engine) => engine.preview({ refresh: true }) },
  noopUpTranspileOnly: { label: "no-op up, transpile-only", typeCheck: false, run: (engine) => engine.up() },
};

export async function measureStackDeploy(options: StackBenchOptions): Promise<StackDeployResult> {
  const { databaseUrl, log } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stack-"));
  const stateFile = path.join(dir, "state.json");
  try {
    const first = await operation(stateFile, databaseUrl, true, (engine) => engine.up());
    log(`stack: first up (${first.result.changes.length} creates) in ${(first.times.total / 1000).toFixed(1)} s`);
    const state = fs.readFileSync(stateFile, "utf8");
    const runs: Record<StackOperation, { times: PhaseTimes[]; calls: Record<string, number> }> = {
      noopUp: { times: [], calls: {} },
      previewRefresh: { times: [], calls: {} },
      noopUpTranspileOnly: { times: [], calls: {} },
    };
    for (let round = 0; round < options.rounds; round++) {
      const order = (Object.keys(OPERATIONS) as StackOperation[]).slice();
      if (round % 2 === 1) order.reverse();
      for (const name of order) {
        const spec = OPERATIONS[name];
        const { result, times } = await operation(stateFile, databaseUrl, spec.typeCheck, spec.run);
        expectNoChange(spec.label, result);
        runs[name].times.push(times);
        runs[name].calls = result.timeline?.providerCalls ?? {};
        log(`stack: round ${round + 1}/${options.rounds}: ${spec.label} ${(times.total / 1000).toFixed(2)} s (runtime start ${(times.runtimeStart / 1000).toFixed(2)} s)`);
      }
    }
    const operations = Object.fromEntries(
      Object.entries(runs).map(([name, { times, calls }]) => [name, { runs: times, median: medianPhases(times), providerCalls: calls }]),
    ) as Record<StackOperation, StackOperationResult>;
    return {
      resources: first.result.state.resources.length,
      stateBytes: Buffer.byteLength(state),
      providerReferenceBytes: providerReferenceBytes(state),
      firstUp: first.times,
      operations,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of the `__provider` values in the state file's text. */
function providerReferenceBytes(stateText: string): number {
  let total = 0;
  JSON.parse(stateText, (key, value: unknown) => {
    if (key === "__provider") total += Buffer.byteLength(JSON.stringify(value));
    return value;
  });
  return total;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

export function renderStackMarkdown(file: StackBenchFile): string {
  const { result } = file;
  const rows = (Object.keys(OPERATIONS) as StackOperation[]).map((name) => {
    const m = result.operations[name].median;
    return `| ${OPERATIONS[name].label} | ${seconds(m.total)} | ${seconds(m.refresh)} | ${seconds(m.runtimeStart)} | ${seconds(m.program)} | ${seconds(m.providerCalls)} | ${seconds(m.pluginStart)} | ${seconds(m.finish)} | ${seconds(m.engine)} | ${seconds(m.cpu)} |`;
  });
  const calls = (Object.keys(OPERATIONS) as StackOperation[]).map(
    (name) => `${OPERATIONS[name].label}: ${Object.entries(result.operations[name].providerCalls).map(([method, count]) => `${count} ${method}`).join(", ")}`,
  );
  const f = result.firstUp;
  return [
    "# Deploy bench: the local stack through the real runtime",
    "",
    `\`${file.command}\`, ${file.startedAt} to ${file.finishedAt}, commit ${file.git.commit.slice(0, 12)}${file.git.dirty ? " (dirty)" : ""}.`,
    `Machine: ${file.machine.cpus} × ${file.machine.cpuModel}, Node ${file.machine.node}. Load average before ${file.load.before.one.toFixed(2)} ${file.load.before.five.toFixed(2)} ${file.load.before.fifteen.toFixed(2)}, after ${file.load.after.one.toFixed(2)}; \`uptime\`: ${file.load.uptime}.`,
    "",
    ...file.notes.map((note) => `- ${note}`),
    ...(file.notes.length ? [""] : []),
    `Medians of ${file.rounds} rounds, seconds; each operation on a fresh engine and plugin as each \`pulumi\` command has. ${result.resources} resources.`,
    "",
    "| operation | total | refresh reads | runtime start + compile | program (registrations and the steps they wait on) | provider calls (in program) | plugin start | finish | engine | CPU (engine, runtime, plugin) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Provider calls per run: ${calls.join("; ")}.`,
    "",
    `First up (creates everything, type-checked, one run): ${seconds(f.total)} s, runtime start ${seconds(f.runtimeStart)} s, program ${seconds(f.program)} s.`,
    "",
    `State after the first up: ${result.stateBytes} bytes (${(result.stateBytes / 1024).toFixed(0)} KB), of which \`__provider\` references ${result.providerReferenceBytes} bytes.`,
    "",
  ].join("\n");
}

export function writeStackResults(outDir: string, file: StackBenchFile): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, "deploy-stack.json");
  const md = path.join(outDir, "deploy-stack.md");
  fs.writeFileSync(json, `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(md, renderStackMarkdown(file));
  return [json, md];
}

/** Notes every result file carries: the shared machine, and a busy start. */
export function stackNotes(before: LoadAverage): string[] {
  const notes = ["The machine is shared with other engineers' work (2 cores): figures are upper bounds of an idle machine's."];
  if (before.one > BUSY_LOAD) notes.push(`The 1-minute load average was ${before.one.toFixed(2)} before the run: other work shared the ${machineInfo().cpus} cores.`);
  return notes;
}
