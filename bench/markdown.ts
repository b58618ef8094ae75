// bench/results/<scale>.md: the human summary of a results file. Pure: renders a BenchResult.
import { READER_CALLS, fmtRatio, judgedVariant } from "./targets";
import type { BenchResult, DriftPoint, OperationCost, ReaderPhaseResult, RefreshVariant, TargetCheck } from "./types";

/** Milliseconds with precision that suits the magnitude: 0.42, 12.3, 1234. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (Math.abs(ms) < 10) return ms.toFixed(2);
  if (Math.abs(ms) < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

export function fmtCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Escapes the characters that break a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string {
  const separator = header.map((_, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---"));
  return [header, separator, ...rows].map((row) => `| ${row.map(cell).join(" | ")} |`).join("\n");
}

function mark(met: boolean | null): string {
  if (met === null) return "n/a";
  return met ? "met" : "MISSED";
}

function targetsSection(targets: readonly TargetCheck[]): string {
  if (targets.length === 0) return "";
  const rows = targets.map((t) => [t.name, t.target, t.measured, mark(t.met), t.note ?? ""]);
  return `## Targets\n\nDefined at medium scale on the 2-core machine; shown at every scale.\n\n${table(["target", "wanted", "measured", "", "note"], rows)}\n`;
}

function environmentSection(result: BenchResult): string {
  const m = result.machine;
  const load = result.load;
  const settings = Object.entries(result.postgres.settings).map(([k, v]) => `${k}=${v}`).join(", ");
  const perMeasurement = Object.entries(load.perMeasurement)
    .map(([name, l]) => `${name} mean ${l.mean.toFixed(2)} / max ${l.max.toFixed(2)}`)
    .join("; ");
  return [
    "## Environment",
    "",
    `- Machine: ${m.cpus} cores (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, ${m.platform}, Node ${m.node}`,
    `- PostgreSQL: ${result.postgres.version}`,
    `- Settings: ${settings}`,
    `- Load average (1/5/15 min) before the run: ${load.before.one.toFixed(2)} / ${load.before.five.toFixed(2)} / ${load.before.fifteen.toFixed(2)}; after: ${load.after.one.toFixed(2)} / ${load.after.five.toFixed(2)} / ${load.after.fifteen.toFixed(2)}`,
    perMeasurement ? `- 1-minute load during each measurement (includes the bench's own backends): ${perMeasurement}` : "",
    `- Run: ${result.startedAt} → ${result.finishedAt}, \`${result.command}\`, commit ${result.git.commit.slice(0, 12)}${result.git.dirty ? " (uncommitted changes)" : ""}, seed ${result.seed}`,
    "",
  ]
    .filter((line, i, lines) => line !== "" || lines[i - 1] !== "")
    .join("\n");
}

function dataSection(result: BenchResult): string {
  const d = result.data;
  const rows = Object.entries(d.rows).map(([name, n]) => [name, fmtCount(n)]);
  return [
    "## Data",
    "",
    `${fmtCount(d.events)} activity events (lesson completions + quiz attempts + review sessions + explanation views), generated in ${(d.loadMs / 1000).toFixed(1)} s; anchor date ${d.params.anchorDate}, ${d.params.windowDays} days.`,
    "",
    table(["table", "rows"], rows, ["l", "r"]),
    "",
  ].join("\n");
}

function refreshVariantSection(variant: RefreshVariant, views: readonly string[], events: number): string {
  const m = variant.median;
  const rows = views.map((view) => [
    view,
    fmtCount(variant.viewRows[view] ?? 0),
    fmtMs(m.perView.concurrent[view]),
    fmtMs(m.perView.plain[view]),
    fmtMs(m.perView.floor[view]),
    fmtMs(m.perView.compute[view]),
    fmtRatio(variant.ratios.perView[view]?.concurrentToPlain),
    fmtRatio(variant.ratios.perView[view]?.concurrentToFloor),
    fmtRatio(variant.ratios.perView[view]?.concurrentToCompute),
  ]);
  rows.push([
    "**total**",
    "",
    `**${fmtMs(m.total.concurrent)}**`,
    `**${fmtMs(m.total.plain)}**`,
    `**${fmtMs(m.total.floor)}**`,
    `**${fmtMs(m.total.compute)}**`,
    `**${fmtRatio(variant.ratios.concurrentToPlain)}**`,
    `**${fmtRatio(variant.ratios.concurrentToFloor)}**`,
    `**${fmtRatio(variant.ratios.concurrentToCompute)}**`,
  ]);
  return [
    `### ${variant.label}`,
    "",
    `Median of ${variant.rounds.length} rounds (ms). Concurrent total is the whole \`analytics.refresh_all_views()\` call, per view from its \`refresh_runs.view_durations\`; the other totals are sums over the views. Floor is \`select count(*) from (<view query>)\` (the baseline of the targets; the planner drops the columns count(*) does not need); compute is \`select count(q.*)\` over the same query, which needs every column. Migrations: ${variant.migrations[0]} … ${variant.migrations[variant.migrations.length - 1]} (${variant.migrations.length}).`,
    "",
    table(
      ["view", "rows", "concurrent", "plain", "floor", "compute", "concurrent/plain", "concurrent/floor", "concurrent/compute"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    `Ratios of the per-round totals (median over rounds, robust to load drifting during the run): concurrent/plain ${fmtRatio(variant.ratios.paired.concurrentToPlain)}, concurrent/floor ${fmtRatio(variant.ratios.paired.concurrentToFloor)}, concurrent/compute ${fmtRatio(variant.ratios.paired.concurrentToCompute)}.`,
    `Per million events: concurrent ${fmtMs(variant.concurrentMsPerMillionEvents)} ms, plain ${fmtMs(variant.plainMsPerMillionEvents)} ms (${fmtCount(events)} events).`,
    `Warm-up round, the first after ${variant.warmupAfter ?? "loading"} (not in the medians): concurrent ${fmtMs(variant.warmup.total.concurrent)} ms, plain ${fmtMs(variant.warmup.total.plain)} ms.`,
    "",
  ].join("\n");
}

function refreshSection(result: BenchResult): string {
  if (!result.refresh) return "";
  return [
    "## 1. Refresh",
    "",
    `![refresh time per view](${result.scale}.svg)`,
    "",
    ...result.refresh.variants.map((v) => refreshVariantSection(v, result.refresh?.views ?? [], result.data.events)),
  ].join("\n");
}

function readerRows(phase: ReaderPhaseResult): string[][] {
  return READER_CALLS.map((call) => [
    phase.phase,
    call,
    fmtCount(phase.latency[call].count),
    fmtMs(phase.latency[call].p50),
    fmtMs(phase.latency[call].p99),
    fmtMs(phase.latency[call].max),
    fmtCount(phase.blockedReads[call]),
  ]);
}

function readersSection(result: BenchResult): string {
  const readers = result.readers;
  if (!readers) return "";
  const rows = readers.phases.flatMap(readerRows);
  const refreshes = readers.phases
    .filter((p) => p.refreshes > 0)
    .map(
      (p) =>
        `${p.phase}: ${p.refreshes} refreshes of ${p.refreshMs.map(fmtMs).join(", ")} ms; longest block ${fmtMs(p.longestBlockMs)} ms${p.blockedOn.length ? ` on ${p.blockedOn.join(", ")}` : ""}; lock waits over 1 ms in the server log: ${p.loggedLockWaits ?? "n/a"}`,
    );
  return [
    "## 2. Readers during refresh",
    "",
    `One connection calls \`analytics.get_popular_tracks()\` and \`analytics.health_check()\` in turn as an admin (role authenticated, \`request.jwt.claims\` with user_role admin); a second refreshes; a third samples \`pg_blocking_pids\` of the reader every ${readers.samplerIntervalMs} ms. A read is blocked when a sample inside it saw the reader waiting on a lock; the reader's session also has \`log_lock_waits\` on with \`deadlock_timeout = 1ms\`, so the server logs every lock wait longer than 1 ms, even one between two samples. Idle, concurrent and control (cpu: one process busy-looping outside PostgreSQL for as long as a refresh) windows alternate. Plain counter-example: ${readers.plainMode}.`,
    "",
    table(["phase", "call", "reads", "p50 ms", "p99 ms", "max ms", "blocked reads"], rows, ["l", "l", "r", "r", "r", "r", "r"]),
    "",
    ...refreshes.map((line) => `- ${line}`),
    "",
  ].join("\n");
}

/** Readers with candidates applied: the same table, compact. */
function candidateReadersSection(result: BenchResult): string {
  const candidates = result.candidateReaders ?? [];
  if (candidates.length === 0) return "";
  return candidates
    .map((candidate) =>
      [
        `### Readers, ${candidate.label}`,
        "",
        table(["phase", "call", "reads", "p50 ms", "p99 ms", "max ms", "blocked reads"], candidate.result.phases.flatMap(readerRows), ["l", "l", "r", "r", "r", "r", "r"]),
        "",
        `p99 during concurrent / idle p99: ${READER_CALLS.map((call) => {
          const idle = candidate.result.phases.find((p) => p.phase === "idle")?.latency[call].p99;
          const during = candidate.result.phases.find((p) => p.phase === "concurrent")?.latency[call].p99;
          return `${call} ${fmtRatio(idle && during ? during / idle : null)}`;
        }).join(", ")}.`,
        "",
      ].join("\n"),
    )
    .join("\n");
}

function deploySection(result: BenchResult): string {
  const d = result.deploy;
  if (!d) return "";
  return [
    "## 3. Deploy overhead",
    "",
    `All ${d.migrations.length} migrations on a fresh database, median of ${d.psql.runsMs.length} runs per side.`,
    "",
    table(
      ["side", "median ms", "runs ms"],
      [
        ["Migration provider: create() per file", fmtMs(d.provider.medianMs), d.provider.runsMs.map(fmtMs).join(", ")],
        ["Migration provider: check() + create() per file", fmtMs(d.providerWithCheck.medianMs), d.providerWithCheck.runsMs.map(fmtMs).join(", ")],
        ["`psql -1 -v ON_ERROR_STOP=1 -f …`", fmtMs(d.psql.medianMs), d.psql.runsMs.map(fmtMs).join(", ")],
      ],
      ["l", "r", "l"],
    ),
    "",
    `Ratio provider/psql: ${fmtRatio(d.ratio)} (create only), ${fmtRatio(d.ratioWithCheck)} (check + create). One provider deploy: ${d.providerQueries} SQL round trips (${d.statements} statements of the files, which psql also sends one by one, and ${d.providerQueries - d.statements} of locking, history and session settings: ${fmtMs((d.providerQueries - d.statements) / d.migrations.length)} per file), ${d.providerConnections} connections; opening and closing a session costs ${fmtMs(d.connectionSetupMs)} ms here, so about ${fmtMs(d.connectionSetupMs * d.providerConnections)} ms of the provider's time is connection setup (psql opens one). First run in the process (not in the medians): provider ${fmtMs(d.coldMs.provider)} ms (loads the SQL parser), psql ${fmtMs(d.coldMs.psql)} ms.`,
    "",
  ].join("\n");
}

function costCells(cost: OperationCost): string[] {
  return [fmtMs(cost.medianMs), fmtMs(cost.msPerResource), cost.queriesPerResource.toFixed(2), cost.connectionsPerResource.toFixed(2)];
}

function driftSection(result: BenchResult): string {
  const drift = result.drift;
  if (!drift) return "";
  const rows = drift.points.flatMap((p: DriftPoint) => [
    [String(p.resources), "read (drift check)", ...costCells(p.read)],
    [String(p.resources), "no-op deploy (check + diff)", ...costCells(p.noopDeploy)],
    [String(p.resources), "no-op deploy --refresh (read + check + diff)", ...costCells(p.noopDeployWithRefresh)],
  ]);
  const g = drift.growth;
  const k = (value: number | null) => (value == null ? "n/a" : value.toFixed(2));
  return [
    "## 4. Drift-check cost",
    "",
    "N synthetic trivial Migration resources applied through the provider, then each operation called once per resource, in order, as the engine does (median of the runs).",
    "",
    table(["N", "operation", "total ms", "ms / resource", "SQL round trips / resource", "connections / resource"], rows, ["r", "l", "r", "r", "r", "r"]),
    "",
    `Growth (time ∝ N^k from the smallest to the largest N): read k = ${k(g.read)}, no-op deploy k = ${k(g.noopDeploy)}, with refresh k = ${k(g.noopDeployWithRefresh)}.`,
    "",
  ].join("\n");
}

/**
 * Refresh cost per million events at every scale that has results, so growth with data size
 * is visible. Each scale's figures come from its own run (see its file for the load then).
 */
export function growthSection(results: readonly BenchResult[]): string {
  const rows = [...results]
    .filter((r) => r.refresh && judgedVariant(r.refresh.variants))
    .sort((a, b) => a.data.events - b.data.events)
    .map((r) => {
      const v = judgedVariant(r.refresh!.variants)!;
      const perMillion = (ms: number) => fmtMs(ms / (r.data.events / 1e6));
      return [
        r.scale,
        fmtCount(r.data.events),
        fmtMs(v.median.total.concurrent),
        fmtMs(v.median.total.plain),
        fmtMs(v.median.total.floor),
        perMillion(v.median.total.concurrent),
        perMillion(v.median.total.plain),
        perMillion(v.median.total.floor),
        r.startedAt.slice(0, 16).replace("T", " "),
      ];
    });
  if (rows.length < 2) return "";
  return [
    "## Growth across scales",
    "",
    "Refresh totals (median ms, the stack's migrations) and the same per million events, from each scale's latest results file.",
    "",
    table(
      ["scale", "events", "concurrent", "plain", "floor", "concurrent / M events", "plain / M events", "floor / M events", "run (UTC)"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r", "r", "l"],
    ),
    "",
  ].join("\n");
}

export function renderMarkdown(result: BenchResult, otherScales: readonly BenchResult[] = []): string {
  const sections = [
    `# Bench results: ${result.scale}`,
    "Generated by `npm run bench -- --scale " + result.scale + "` (bench/run.ts); ratios are the figures, absolute times depend on the machine.",
    targetsSection(result.targets),
    environmentSection(result),
    dataSection(result),
    refreshSection(result),
    growthSection([result, ...otherScales.filter((other) => other.scale !== result.scale)]),
    readersSection(result),
    candidateReadersSection(result),
    deploySection(result),
    driftSection(result),
    result.notes.length ? `## Notes\n\n${result.notes.map((n) => `- ${n}`).join("\n")}\n` : "",
  ];
  return `${sections
    .filter((section) => section !== "")
    .map((section) => section.trim())
    .join("\n\n")
    .replace(/\n{3,}/g, "\n\n")}\n`;
}
