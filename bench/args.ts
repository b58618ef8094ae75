// Command line of `npm run bench -- [options]`. Pure: parseArgs is unit-tested.
import { isScaleName, SCALE_NAMES, ScaleName } from "./scales";

export const MEASUREMENTS = ["refresh", "readers", "deploy", "drift"] as const;
/** Run only when named in --only: the incremental refresh (bench/incrementalBench.ts), on its own data phase. */
export const OPT_IN_MEASUREMENTS = ["incremental"] as const;
export type Measurement = (typeof MEASUREMENTS)[number] | (typeof OPT_IN_MEASUREMENTS)[number];
const KNOWN_MEASUREMENTS: readonly Measurement[] = [...MEASUREMENTS, ...OPT_IN_MEASUREMENTS];

/** The last migration of the original foundation: the refresh is also measured at this version when newer files (fixes) exist. */
export const DEFAULT_BASELINE_VERSION = "20260128100009";
export const DEFAULT_SEED = 20260128;

export interface BenchOptions {
  scale: ScaleName;
  seed: number;
  /** UTC date the data ends on ("today" of the data); default: today. */
  anchorDate: string;
  measurements: Measurement[];
  /** Overrides the scale's refresh rounds. */
  rounds?: number;
  explain: boolean;
  outDir: string;
  baselineVersion: string;
  notes: string[];
  /** Only re-render <scale>.md and <scale>.svg from <scale>.json (after a writer change, or for the growth table). */
  renderOnly: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--scale small|medium|large] [options]

  --scale NAME         data size: small ≈100k events, medium ≈1M, large ≈5M (default small)
  --only LIST          comma-separated subset of ${MEASUREMENTS.join(",")} (default: all), or
                       incremental (the incremental refresh; results in incremental-<scale>.*)
  --seed N             generator seed (default ${DEFAULT_SEED})
  --anchor YYYY-MM-DD  last day of the generated data (default: today, UTC)
  --rounds N           refresh rounds (default: per scale)
  --baseline VERSION   also measure the refresh with migrations up to VERSION when newer
                       files exist (default ${DEFAULT_BASELINE_VERSION}); "none" to skip
  --no-explain         skip explain (analyze, buffers) of the view queries
  --out DIR            where results go (default bench/results)
  --note TEXT          add a note to the results (repeatable)
  --render             only re-render <scale>.md and <scale>.svg from <scale>.json
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = "UsageError";
  }
}

function todayUtc(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function positiveInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function parseArgs(argv: readonly string[], now: Date = new Date(), defaultOutDir = "bench/results"): BenchOptions {
  const options: BenchOptions = {
    scale: "small",
    seed: DEFAULT_SEED,
    anchorDate: todayUtc(now),
    measurements: [...MEASUREMENTS],
    explain: true,
    outDir: defaultOutDir,
    baselineVersion: DEFAULT_BASELINE_VERSION,
    notes: [],
    renderOnly: false,
    help: false,
  };
  const args = [...argv];
  const value = (flag: string): string => {
    const next = args.shift();
    if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  while (args.length > 0) {
    const raw = args.shift() as string;
    const [flag, inline] = raw.includes("=") ? [raw.slice(0, raw.indexOf("=")), raw.slice(raw.indexOf("=") + 1)] : [raw, undefined];
    if (inline !== undefined) args.unshift(inline);
    switch (flag) {
      case "--scale": {
        const scale = value(flag);
        if (!isScaleName(scale)) throw new UsageError(`--scale must be one of ${SCALE_NAMES.join(", ")}, got ${JSON.stringify(scale)}`);
        options.scale = scale;
        break;
      }
      case "--only": {
        const list = value(flag).split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = list.filter((m) => !(KNOWN_MEASUREMENTS as readonly string[]).includes(m));
        if (unknown.length > 0 || list.length === 0) {
          throw new UsageError(`--only takes measurements from ${KNOWN_MEASUREMENTS.join(", ")}; unknown: ${unknown.join(", ") || "(empty)"}`);
        }
        options.measurements = KNOWN_MEASUREMENTS.filter((m) => list.includes(m));
        if (options.measurements.includes("incremental") && (list.includes("refresh") || list.includes("readers"))) {
          throw new UsageError("--only incremental changes the loaded database's views: run it apart from refresh and readers");
        }
        break;
      }
      case "--seed":
        options.seed = positiveInteger(flag, value(flag));
        break;
      case "--anchor": {
        const date = value(flag);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
          throw new UsageError(`--anchor must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
        }
        options.anchorDate = date;
        break;
      }
      case "--rounds":
        options.rounds = positiveInteger(flag, value(flag));
        break;
      case "--baseline": {
        const version = value(flag);
        if (version !== "none" && !/^\d{14}$/.test(version)) throw new UsageError(`--baseline must be a 14-digit migration version or "none", got ${JSON.stringify(version)}`);
        options.baselineVersion = version;
        break;
      }
      case "--no-explain":
        options.explain = false;
        break;
      case "--out":
        options.outDir = value(flag);
        break;
      case "--note":
        options.notes.push(value(flag));
        break;
      case "--render":
        options.renderOnly = true;
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(raw)}`);
    }
  }
  return options;
}
