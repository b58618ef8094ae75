// bench/results/<scale>.svg: refresh time per view, concurrent against plain (and the two
// read-only baselines, thin), views sorted by concurrent time so the expensive ones are on
// top, each labelled with its share of the concurrent total. One panel per refresh variant
// (as shipped, then each candidate), all on the same time axis and in the same view order.
// Pure: returns the SVG text.
import type { RefreshMethod, RefreshResult, RefreshVariant } from "./types";
import { fmtMs } from "./markdown";

const WIDTH = 960;
const LABEL_WIDTH = 250;
const VALUE_LABEL_ROOM = 180;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_LABEL_ROOM;
const BAR_HEIGHT: Record<RefreshMethod, number> = { concurrent: 14, plain: 14, compute: 6, floor: 6 };
const BAR_GAP = 2;
const GROUP_GAP = 14;
const PANEL_HEADER = 46;
const AXIS_HEIGHT = 24;
const COLORS: Record<RefreshMethod, string> = { concurrent: "#d95f02", plain: "#1b9e77", compute: "#7570b3", floor: "#9e9e9e" };
const LEGEND: Record<RefreshMethod, string> = {
  concurrent: "concurrent: refresh_all_views()",
  plain: "plain: refresh materialized view",
  compute: "compute: select count(q.*) over the query",
  floor: "floor: select count(*) over the query",
};
/** Drawing order inside a view's group: the two refreshes, then the two read-only baselines. */
const METHODS: readonly RefreshMethod[] = ["concurrent", "plain", "compute", "floor"];

/** Characters of a panel title that fit the width at 14 px bold. */
const MAX_TITLE_CHARS = 110;

export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** A round axis step that gives about `targetTicks` ticks up to `max`. */
export function niceStep(max: number, targetTicks = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
  return factor * magnitude;
}

/** Views ordered by median concurrent time, largest first. */
export function viewsByConcurrentTime(variant: RefreshVariant, views: readonly string[]): string[] {
  return [...views].sort((a, b) => (variant.median.perView.concurrent[b] ?? 0) - (variant.median.perView.concurrent[a] ?? 0));
}

function groupHeight(): number {
  return METHODS.reduce((sum, m) => sum + BAR_HEIGHT[m] + BAR_GAP, 0) + GROUP_GAP;
}

function panelHeight(views: number): number {
  return PANEL_HEADER + views * groupHeight() + AXIS_HEIGHT;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${fmtMs(ms)} ms`;
}

function panel(variant: RefreshVariant, views: readonly string[], top: number, axisMax: number): string[] {
  const x = (ms: number) => LABEL_WIDTH + (ms / axisMax) * PLOT_WIDTH;
  const total = variant.median.total;
  const ratio = (r: number | null) => (r == null ? "n/a" : `${r.toFixed(2)}×`);
  const parts: string[] = [
    `<text x="10" y="${top + 18}" class="panel">${escapeXml(shorten(variant.label, MAX_TITLE_CHARS))}</text>`,
    `<text x="10" y="${top + 36}" class="sub">${escapeXml(
      `total: concurrent ${seconds(total.concurrent)} · plain ${seconds(total.plain)} (concurrent/plain ${ratio(variant.ratios.concurrentToPlain)}) · floor ${seconds(total.floor)} (concurrent/floor ${ratio(variant.ratios.concurrentToFloor)}) · compute ${seconds(total.compute)}`,
    )}</text>`,
  ];
  const plotTop = top + PANEL_HEADER;
  const plotBottom = plotTop + views.length * groupHeight();
  const step = niceStep(axisMax);
  for (let tick = 0; tick <= axisMax + 1e-9; tick += step) {
    parts.push(`<line x1="${x(tick).toFixed(1)}" y1="${plotTop - 4}" x2="${x(tick).toFixed(1)}" y2="${plotBottom}" class="grid"/>`);
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${plotBottom + 14}" class="tick" text-anchor="middle">${escapeXml(seconds(tick))}</text>`);
  }
  let y = plotTop;
  for (const view of views) {
    const concurrent = variant.median.perView.concurrent[view] ?? 0;
    const share = total.concurrent > 0 ? Math.round((concurrent / total.concurrent) * 100) : 0;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 12}" class="view" text-anchor="end">${escapeXml(view)}</text>`);
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 27}" class="share" text-anchor="end">${share}% of concurrent total</text>`);
    const thinStart = y + BAR_HEIGHT.concurrent + BAR_HEIGHT.plain + 2 * BAR_GAP;
    let thinEnd = LABEL_WIDTH;
    for (const method of METHODS) {
      const ms = variant.median.perView[method][view] ?? 0;
      const height = BAR_HEIGHT[method];
      const width = Math.max(0.5, x(ms) - LABEL_WIDTH);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${height}" fill="${COLORS[method]}" data-view="${escapeXml(view)}" data-method="${method}" data-ms="${ms.toFixed(3)}"><title>${escapeXml(`${view} ${method}: ${fmtMs(ms)} ms`)}</title></rect>`,
      );
      if (method === "concurrent" || method === "plain") {
        parts.push(`<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + height - 2}" class="value">${escapeXml(`${fmtMs(ms)} ms`)}</text>`);
      } else {
        thinEnd = Math.max(thinEnd, LABEL_WIDTH + width);
      }
      y += height + BAR_GAP;
    }
    // The two read-only baselines share one small label, right of the longer thin bar.
    const compute = variant.median.perView.compute[view] ?? 0;
    const floor = variant.median.perView.floor[view] ?? 0;
    parts.push(
      `<text x="${(thinEnd + 4).toFixed(1)}" y="${thinStart + 11}" class="thin">${escapeXml(`compute ${fmtMs(compute)} · floor ${fmtMs(floor)} ms`)}</text>`,
    );
    y += GROUP_GAP;
  }
  return parts;
}

export interface ChartInfo {
  scale: string;
  events: number;
}

export function renderRefreshChart(refresh: RefreshResult, info: ChartInfo): string {
  const variants = refresh.variants;
  const axisMax = Math.max(
    1,
    ...variants.flatMap((v) => METHODS.flatMap((m) => refresh.views.map((view) => v.median.perView[m][view] ?? 0))),
  );
  const header = 80;
  const height = header + variants.reduce((sum) => sum + panelHeight(refresh.views.length), 0) + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    "<style>.title{font-size:17px;font-weight:bold}.panel{font-size:14px;font-weight:bold}.sub,.share{font-size:11px;fill:#555}.view{font-size:13px}.value,.tick,.legend{font-size:11px}.thin{font-size:10px;fill:#666}.grid{stroke:#e4e4e4;stroke-width:1}</style>",
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" class="title">${escapeXml(
      `Refresh time per view: ${info.scale} scale, ${info.events.toLocaleString("en-US")} events (median per view)`,
    )}</text>`,
  ];
  // Two legend entries per row; the text is about 6 px per character at 11 px.
  METHODS.forEach((method, i) => {
    const legendX = 10 + (i % 2) * 400;
    const legendY = 36 + Math.floor(i / 2) * 16;
    parts.push(`<rect x="${legendX}" y="${legendY + 12 - BAR_HEIGHT[method]}" width="14" height="${BAR_HEIGHT[method]}" fill="${COLORS[method]}"/>`);
    parts.push(`<text x="${legendX + 20}" y="${legendY + 11}" class="legend">${escapeXml(LEGEND[method])}</text>`);
  });
  // Every panel in the first one's order (most expensive view first), so panels compare at a glance.
  const order = variants.length ? viewsByConcurrentTime(variants[0], refresh.views) : [...refresh.views];
  let top = header;
  for (const variant of variants) {
    parts.push(...panel(variant, order, top, axisMax));
    top += panelHeight(refresh.views.length);
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
