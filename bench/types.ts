// The shape of bench/results/<scale>.json: what each measurement records. The Markdown and
// SVG writers read only this, so a results file can be re-rendered without re-running.
import type { GeneratedData } from "./generator";
import type { ScaleName } from "./scales";
import type { LatencySummary } from "./stats";

/**
 * concurrent: analytics.refresh_all_views(); plain: refresh materialized view per view;
 * floor: the agreed baseline, select count(*) over the view's query (the planner drops the
 * output columns count(*) does not need, and with them joins and aggregates);
 * compute: select count(q.*) over the view's query, which needs every column: the work a
 * refresh cannot avoid, without writing anything. Informational.
 */
export type RefreshMethod = "concurrent" | "plain" | "floor" | "compute";
export const REFRESH_METHODS: readonly RefreshMethod[] = ["concurrent", "plain", "floor", "compute"];

export interface LoadAverage {
  /** 1, 5 and 15 minute load averages (os.loadavg()). */
  one: number;
  five: number;
  fifteen: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  platform: string;
  node: string;
}

export interface PostgresInfo {
  version: string;
  /** pg_settings values with their units, e.g. shared_buffers "128MB". */
  settings: Record<string, string>;
}

export interface LoadRecord {
  /** Before the bench started anything: what the rest of the machine was doing. */
  before: LoadAverage;
  after: LoadAverage;
  /** 1-minute load average sampled every few seconds during each measurement. */
  perMeasurement: Record<string, { max: number; mean: number }>;
}

export interface RefreshRound {
  /** Milliseconds per view and method; `total` is the whole call (concurrent) or the sum (plain, floor). */
  perView: Record<RefreshMethod, Record<string, number>>;
  total: Record<RefreshMethod, number>;
  /** The order the methods ran in (rotated between rounds). */
  order: RefreshMethod[];
}

export interface RefreshVariant {
  /** What this variant is: e.g. "as shipped (migrations up to 20260128100009)". */
  label: string;
  /** Measured with bench/candidates applied: a proposal, not the stack; targets ignore it. */
  candidate?: boolean;
  migrations: string[];
  /** The first round (after loading, or after applying a fix): not in the medians. */
  warmup: RefreshRound;
  /** What the warm-up round followed, e.g. "loading (the deploy's views are populated but empty)". */
  warmupAfter: string;
  rounds: RefreshRound[];
  median: {
    perView: Record<RefreshMethod, Record<string, number>>;
    total: Record<RefreshMethod, number>;
  };
  ratios: {
    perView: Record<string, { concurrentToPlain: number | null; concurrentToFloor: number | null; concurrentToCompute: number | null }>;
    concurrentToPlain: number | null;
    concurrentToFloor: number | null;
    concurrentToCompute: number | null;
    /**
     * Median over rounds of each round's own ratio of totals: the methods of one round run
     * back to back, so load that drifts during the run cancels out. A robustness check on the
     * ratios of medians above.
     */
    paired: { concurrentToPlain: number; concurrentToFloor: number; concurrentToCompute: number };
  };
  /** Median concurrent total per million events. */
  concurrentMsPerMillionEvents: number;
  plainMsPerMillionEvents: number;
  /** explain (analyze, buffers) of each view's defining query, once. */
  plans?: Record<string, string>;
  /** Rows per view after the refresh. */
  viewRows: Record<string, number>;
}

export interface RefreshResult {
  views: string[];
  /** "before" (as shipped) and, when a fix migration exists, "after". */
  variants: RefreshVariant[];
}

export type ReaderCall = "get_popular_tracks" | "health_check";
/**
 * idle: nothing else runs; concurrent: refresh_all_views(); plain: the counter-example;
 * cpu: a control, one busy-looping process outside PostgreSQL for as long as a refresh: what
 * any CPU-bound work does to the readers on this machine. Informational.
 */
export type ReaderPhase = "idle" | "concurrent" | "plain" | "cpu";

export interface ReaderPhaseResult {
  phase: ReaderPhase;
  /** Milliseconds the phase lasted (for refresh phases: the refreshes themselves). */
  durationMs: number;
  refreshes: number;
  /** Refresh durations in this phase (ms). */
  refreshMs: number[];
  latency: Record<ReaderCall, LatencySummary>;
  /** Reads whose interval saw the reader waiting on a lock held by another backend. */
  blockedReads: Record<ReaderCall, number>;
  /** Longest run of consecutive blocked samples, in ms. */
  longestBlockMs: number;
  samples: number;
  /** The lock the reader waited for, when it did (pg_locks of the reader). */
  blockedOn: string[];
  /**
   * Lock waits of the reader's backend that the server logged (log_lock_waits with
   * deadlock_timeout = 1ms in the reader's session): catches waits shorter than the sampling
   * interval. null when the server log could not be read.
   */
  loggedLockWaits: number | null;
}

export interface ReadersResult {
  /** How the plain counter-example refreshes: all views in one transaction, like the function would. */
  plainMode: string;
  samplerIntervalMs: number;
  phases: ReaderPhaseResult[];
}

/** The readers measured again with bench/candidates applied (cumulatively, up to the one named). */
export interface CandidateReaders {
  label: string;
  result: ReadersResult;
}

export interface DeploySide {
  runsMs: number[];
  medianMs: number;
}

export interface DeployResult {
  migrations: string[];
  provider: DeploySide;
  /** check() then create() per migration, as the engine calls them. */
  providerWithCheck: DeploySide;
  psql: DeploySide;
  ratio: number | null;
  ratioWithCheck: number | null;
  /** SQL round trips and connections of one provider deploy. */
  providerQueries: number;
  providerConnections: number;
  /** Statements in the files (the provider sends each as one query, as psql does): the rest of providerQueries is bookkeeping. */
  statements: number;
  /** Median time to open and close one session to the same server (bench/deployBench.ts measureConnectionSetup). */
  connectionSetupMs: number;
  /** The first run of each side in the process (the provider's loads the SQL parser); not in the medians. */
  coldMs: { provider: number; psql: number };
}

export interface OperationCost {
  medianMs: number;
  runsMs: number[];
  queries: number;
  connections: number;
  queriesPerResource: number;
  connectionsPerResource: number;
  msPerResource: number;
}

export interface DriftPoint {
  resources: number;
  /** read() of every Migration resource: `pulumi refresh` / drift check. */
  read: OperationCost;
  /** check() + diff() per resource: a no-op `pulumi up` without refresh. */
  noopDeploy: OperationCost;
  /** read() + check() + diff() per resource: a no-op `pulumi up --refresh`. */
  noopDeployWithRefresh: OperationCost;
}

export interface DriftResult {
  points: DriftPoint[];
  /** Exponent k of time ∝ N^k from the smallest to the largest N (1 = linear). */
  growth: { read: number | null; noopDeploy: number | null; noopDeployWithRefresh: number | null };
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface BenchResult {
  formatVersion: 1;
  scale: ScaleName;
  command: string;
  startedAt: string;
  finishedAt: string;
  git: { commit: string; dirty: boolean };
  seed: number;
  machine: MachineInfo;
  postgres: PostgresInfo;
  load: LoadRecord;
  data: GeneratedData & { loadMs: number };
  refresh?: RefreshResult;
  readers?: ReadersResult;
  candidateReaders?: CandidateReaders[];
  deploy?: DeployResult;
  drift?: DriftResult;
  targets: TargetCheck[];
  notes: string[];
}
