// Measurement 1: refresh cost per view and in total, on the same data in the same run:
// analytics.refresh_all_views() (concurrent, per-view times from its refresh_runs row), a
// plain `refresh materialized view` per view, the floor, a bare
// `select count(*) from (<the view's defining query>)`, and, for information, `compute`,
// `select count(q.*)` over the same query, which needs every column (count(*) lets the
// planner drop unused columns, and with them joins and aggregates: see types.ts). Rounds
// rotate the order of the methods so that none always runs first (cache, load); medians are
// reported.
import type { Client } from "pg";
import { median, ratio, timed } from "./stats";
import { REFRESH_METHODS, RefreshMethod, RefreshRound, RefreshVariant } from "./types";

export interface RefreshOptions {
  views: readonly string[];
  rounds: number;
  events: number;
  label: string;
  migrations: string[];
  /** What the warm-up round follows (recorded with it). */
  warmupAfter: string;
  explain: boolean;
  log: (message: string) => void;
}

/** The order of the methods in round `index`: a rotation, so each leads equally often. */
export function roundOrder(index: number): RefreshMethod[] {
  const shift = ((index % REFRESH_METHODS.length) + REFRESH_METHODS.length) % REFRESH_METHODS.length;
  return [...REFRESH_METHODS.slice(shift), ...REFRESH_METHODS.slice(0, shift)];
}

/** A view's defining query as PostgreSQL stores it (pg_get_viewdef works on materialized views), without the final semicolon. */
export async function viewDefinitions(client: Client, views: readonly string[]): Promise<Record<string, string>> {
  const { rows } = await client.query<{ view: string; definition: string }>(
    "select v as view, pg_catalog.pg_get_viewdef(pg_catalog.format('analytics.%I', v)::regclass, true) as definition from unnest($1::text[]) as v",
    [views],
  );
  return Object.fromEntries(rows.map((r) => [r.view, r.definition.trim().replace(/;$/, "")]));
}

export function floorQuery(definition: string): string {
  return `select count(*) from (${definition}) as floor_query`;
}

/** Every output column is needed by count(q.*), so nothing of the query can be pruned. */
export function computeQuery(definition: string): string {
  return `select count(q.*) from (${definition}) as q`;
}

interface RecordedRun {
  status: string;
  view_durations: Record<string, number>;
  refresh_modes: Record<string, string>;
  error_message: string | null;
}

async function concurrentRefresh(client: Client, views: readonly string[]): Promise<{ total: number; perView: Record<string, number> }> {
  const { ms } = await timed(() => client.query("select analytics.refresh_all_views()"));
  const { rows } = await client.query<RecordedRun>(
    "select status, view_durations, refresh_modes, error_message from analytics.refresh_runs order by id desc limit 1",
  );
  const run = rows[0];
  if (!run || run.status !== "succeeded") {
    throw new Error(`analytics.refresh_all_views() did not succeed: ${run ? `${run.status}: ${run.error_message}` : "no refresh_runs row"}`);
  }
  const notConcurrent = views.filter((view) => run.refresh_modes[view] !== "concurrently");
  if (notConcurrent.length > 0) {
    throw new Error(`analytics.refresh_all_views() refreshed ${notConcurrent.join(", ")} without concurrently: the views must be populated first`);
  }
  return { total: ms, perView: Object.fromEntries(views.map((view) => [view, Number(run.view_durations[view])])) };
}

async function perViewTimes(client: Client, views: readonly string[], sql: (view: string) => string): Promise<{ total: number; perView: Record<string, number> }> {
  const perView: Record<string, number> = {};
  for (const view of views) perView[view] = (await timed(() => client.query(sql(view)))).ms;
  return { total: Object.values(perView).reduce((a, b) => a + b, 0), perView };
}

async function runRound(client: Client, views: readonly string[], definitions: Record<string, string>, order: RefreshMethod[]): Promise<RefreshRound> {
  const round: RefreshRound = {
    perView: { concurrent: {}, plain: {}, floor: {}, compute: {} },
    total: { concurrent: 0, plain: 0, floor: 0, compute: 0 },
    order,
  };
  const sql: Record<Exclude<RefreshMethod, "concurrent">, (view: string) => string> = {
    plain: (view) => `refresh materialized view analytics.${view}`,
    floor: (view) => floorQuery(definitions[view]),
    compute: (view) => computeQuery(definitions[view]),
  };
  for (const method of order) {
    const result = method === "concurrent" ? await concurrentRefresh(client, views) : await perViewTimes(client, views, sql[method]);
    round.perView[method] = result.perView;
    round.total[method] = result.total;
  }
  return round;
}

function medians(rounds: readonly RefreshRound[], views: readonly string[]): RefreshVariant["median"] {
  const perView = { concurrent: {}, plain: {}, floor: {}, compute: {} } as RefreshVariant["median"]["perView"];
  const total = { concurrent: 0, plain: 0, floor: 0, compute: 0 };
  for (const method of REFRESH_METHODS) {
    for (const view of views) perView[method][view] = median(rounds.map((r) => r.perView[method][view]));
    total[method] = median(rounds.map((r) => r.total[method]));
  }
  return { perView, total };
}

async function explainPlans(client: Client, views: readonly string[], definitions: Record<string, string>): Promise<Record<string, string>> {
  const plans: Record<string, string> = {};
  for (const view of views) {
    const { rows } = await client.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${definitions[view]}`);
    plans[view] = rows.map((r) => r["QUERY PLAN"]).join("\n");
  }
  return plans;
}

async function viewRowCounts(client: Client, views: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const view of views) {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from analytics.${view}`);
    counts[view] = Number(rows[0].n);
  }
  return counts;
}

/**
 * Runs a warm-up round (the first after loading, when the deploy's views are still empty, or
 * after applying a fix) and `rounds` measured rounds on a database whose views are populated
 * and whose tables hold the generated data.
 */
export async function measureRefresh(client: Client, options: RefreshOptions): Promise<RefreshVariant> {
  const { views, log } = options;
  const definitions = await viewDefinitions(client, views);
  log(`refresh: warm-up round (first after ${options.warmupAfter})`);
  const warmup = await runRound(client, views, definitions, [...REFRESH_METHODS]);
  const rounds: RefreshRound[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const order = roundOrder(i);
    const round = await runRound(client, views, definitions, order);
    log(
      `refresh: round ${i + 1}/${options.rounds} (${order.join(", ")}): ${order.map((m) => `${m} ${round.total[m].toFixed(0)} ms`).join(", ")}`,
    );
    rounds.push(round);
  }
  const m = medians(rounds, views);
  const perViewRatios = Object.fromEntries(
    views.map((view) => [
      view,
      {
        concurrentToPlain: ratio(m.perView.concurrent[view], m.perView.plain[view]),
        concurrentToFloor: ratio(m.perView.concurrent[view], m.perView.floor[view]),
        concurrentToCompute: ratio(m.perView.concurrent[view], m.perView.compute[view]),
      },
    ]),
  );
  const millions = options.events / 1e6;
  const plans = options.explain ? await explainPlans(client, views, definitions) : undefined;
  return {
    label: options.label,
    migrations: options.migrations,
    warmup,
    warmupAfter: options.warmupAfter,
    rounds,
    median: m,
    ratios: {
      perView: perViewRatios,
      concurrentToPlain: ratio(m.total.concurrent, m.total.plain),
      concurrentToFloor: ratio(m.total.concurrent, m.total.floor),
      concurrentToCompute: ratio(m.total.concurrent, m.total.compute),
      paired: {
        concurrentToPlain: median(rounds.map((r) => r.total.concurrent / r.total.plain)),
        concurrentToFloor: median(rounds.map((r) => r.total.concurrent / r.total.floor)),
        concurrentToCompute: median(rounds.map((r) => r.total.concurrent / r.total.compute)),
      },
    },
    concurrentMsPerMillionEvents: m.total.concurrent / millions,
    plainMsPerMillionEvents: m.total.plain / millions,
    ...(plans ? { plans } : {}),
    viewRows: await viewRowCounts(client, views),
  };
}
