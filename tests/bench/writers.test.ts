// The Markdown summary, the SVG chart and the target checks, from a hand-made result.
import { cell, fmtMs, renderMarkdown, table } from "../../bench/markdown";
import { escapeXml, niceStep, renderRefreshChart } from "../../bench/svgChart";
import { evaluateTargets, TARGETS } from "../../bench/targets";
import { benchResult, variant } from "./fixtures";

describe("Markdown summary", () => {
  const markdown = renderMarkdown(benchResult());

  it("has a section per measurement, the targets and the environment", () => {
    for (const heading of ["# Bench results: small", "## Targets", "## Environment", "## Data", "## 1. Refresh", "## 2. Readers during refresh", "## 3. Deploy overhead", "## 4. Drift-check cost", "## Notes"]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain("2 cores (Test CPU), 8.0 GiB memory");
    expect(markdown).toContain("shared_buffers=128MB, fsync=off");
    expect(markdown).toContain("![refresh time per view](small.svg)");
  });

  it("puts each view's medians and ratios in the refresh table, and the totals", () => {
    expect(markdown).toMatch(/\| streak_dropoffs \| 12 \| 300 \| 200 \| 100 \| 160 \| 1\.50× \| 3\.00× \| 1\.88× \|/);
    expect(markdown).toMatch(/\| \*\*total\*\* \| {2}\| \*\*401\*\* \| \*\*290\*\* \|/);
  });

  it("marks a missed target and a met one", () => {
    expect(markdown).toMatch(/\| deploy: Migration provider \/ psql -1 \| ≤ 1\.5× \| 2\.90× \| MISSED \|/);
    expect(markdown).toMatch(/\| readers: blocked reads during concurrent refresh \| 0 \| 0 \| met \|/);
  });

  it("escapes pipes in cells so that tables keep their columns", () => {
    expect(cell("a | b")).toBe("a \\| b");
    expect(table(["x", "y"], [["1|2", "3"]], ["l", "r"])).toBe("| x | y |\n| --- | ---: |\n| 1\\|2 | 3 |");
  });

  it("formats milliseconds with precision that suits the magnitude", () => {
    expect(fmtMs(0.4242)).toBe("0.42");
    expect(fmtMs(12.345)).toBe("12.3");
    expect(fmtMs(1234.5)).toBe("1235");
  });
});

/** Tags left open or closed out of order (a stack walk over the tags; attributes hold no '>'). */
function unbalancedTags(xml: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const match of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`unexpected </${name}>`);
  }
  return [...problems, ...stack.map((name) => `<${name}> left open`)];
}

describe("SVG chart", () => {
  const refresh = {
    views: ["small_view", "big_<view>", "middle"],
    variants: [
      variant("before & after", { small_view: 10, "big_<view>": 400, middle: 100 }, { small_view: 20, "big_<view>": 200, middle: 100 }),
    ],
  };
  const svg = renderRefreshChart(refresh, { scale: "medium", events: 1_000_000 });
  const bars = [...svg.matchAll(/<rect x="(\d+)" y="[\d.]+" width="([\d.]+)" height="\d+" fill="#[0-9a-f]{6}" data-view="([^"]*)" data-method="(\w+)" data-ms="([\d.]+)"/g)].map((m) => ({
    width: Number(m[2]),
    view: m[3],
    method: m[4],
    ms: Number(m[5]),
  }));

  it("draws one bar per view and method, its length proportional to the time", () => {
    expect(bars).toHaveLength(3 * 4);
    const widthPerMs = bars[0].width / bars[0].ms;
    for (const bar of bars.filter((b) => b.ms > 0)) expect(bar.width / bar.ms).toBeCloseTo(widthPerMs, 1);
  });

  it("puts the view with the most concurrent time first, and labels each with its share", () => {
    const order = [...new Set(bars.map((b) => b.view))];
    expect(order).toEqual(["big_&lt;view&gt;", "middle", "small_view"]);
    // 400 of a total of 511 (sum + 1 ms of the call itself)
    expect(svg).toContain(">78% of concurrent total<");
  });

  it("escapes text and is a single well-formed svg element", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("before &amp; after");
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    expect(unbalancedTags(svg)).toEqual([]);
  });

  it("escapeXml and niceStep", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    expect(niceStep(500)).toBe(100);
    expect(niceStep(5234)).toBe(2000);
    expect(niceStep(0.9)).toBe(0.2);
    expect(niceStep(0)).toBe(1);
  });
});

describe("targets", () => {
  it("judges every target", () => {
    const names = evaluateTargets(benchResult()).map((t) => `${t.name}: ${t.met}`);
    expect(names).toEqual([
      "refresh: concurrent / plain (total): true",
      "refresh: concurrent / floor (total): true",
      "readers: blocked reads during concurrent refresh: true",
      "readers: get_popular_tracks p99 during concurrent / idle p99: true",
      "readers: health_check p99 during concurrent / idle p99: true",
      "readers: plain refresh (counter-example) blocks readers: true",
      "deploy: Migration provider / psql -1: false",
      "drift check: SQL round trips per resource (read): true",
      "drift check: growth with N (read): true",
    ]);
  });

  it("misses the refresh target above 2× plain, and judges the last variant (after a fix)", () => {
    const before = variant("before", { a: 500 }, { a: 200 });
    const after = variant("after", { a: 300 }, { a: 200 });
    const [slow] = evaluateTargets({ refresh: { views: ["a"], variants: [before] } });
    expect(slow.met).toBe(false);
    const [fixed] = evaluateTargets({ refresh: { views: ["a"], variants: [before, after] } });
    expect(fixed.met).toBe(true);
    expect(TARGETS.concurrentToPlain).toBe(2);
  });

  it("misses the readers target when a concurrent read was blocked or p99 grew more than 3×", () => {
    const result = benchResult();
    const concurrent = result.readers!.phases[1];
    concurrent.blockedReads.health_check = 1;
    concurrent.latency.get_popular_tracks.p99 = 6.5;
    const checks = evaluateTargets(result);
    expect(checks.find((c) => c.name.startsWith("readers: blocked"))?.met).toBe(false);
    expect(checks.find((c) => c.name.startsWith("readers: get_popular_tracks"))?.met).toBe(false);
  });

  it("misses the drift target when round trips per resource grow with N", () => {
    const result = benchResult();
    result.drift!.points[1].read = { ...result.drift!.points[1].read, queriesPerResource: 2.5 };
    const checks = evaluateTargets(result);
    expect(checks.find((c) => c.name.startsWith("drift check: SQL"))?.met).toBe(false);
    expect(checks.find((c) => c.name.startsWith("drift check: growth"))?.met).toBe(false);
  });
});

describe("growth across scales", () => {
  it("lists each scale's refresh totals per million events, smallest first, when two or more scales have results", () => {
    const small = benchResult();
    const medium = benchResult({ scale: "medium", data: { ...benchResult().data, events: 10_000 } });
    const markdown = renderMarkdown(medium, [small]);
    expect(markdown).toContain("## Growth across scales");
    const rows = markdown.split("\n").filter((line) => /^\| (small|medium) \|/.test(line));
    expect(rows.map((row) => row.split(" | ")[0])).toEqual(["| small", "| medium"]);
    // small: 401 ms for 1,000 events = 401,000 ms per million; medium: 401 ms for 10,000 events
    expect(rows[0]).toContain("| 401000 |");
    expect(rows[1]).toContain("| 40100 |");
    expect(renderMarkdown(small)).not.toContain("## Growth across scales");
  });
});

describe("candidate variants", () => {
  it("are drawn and listed, but the targets judge the stack's own latest variant", () => {
    const shipped = variant("as shipped", { a: 500 }, { a: 200 });
    const candidate = { ...variant("candidate", { a: 100 }, { a: 200 }), candidate: true };
    const [check] = evaluateTargets({ refresh: { views: ["a"], variants: [shipped, candidate] } });
    expect(check.measured).toBe("2.50×");
    expect(check.met).toBe(false);
    const svg = renderRefreshChart({ views: ["a"], variants: [shipped, candidate] }, { scale: "small", events: 1 });
    expect(svg).toContain(">candidate<");
  });
});

describe("readers with candidates", () => {
  it("get their own table and p99 ratios, and do not change the targets", () => {
    const result = benchResult();
    const candidate = JSON.parse(JSON.stringify(result.readers)) as NonNullable<typeof result.readers>;
    candidate.phases[1].latency.get_popular_tracks.p99 = 2.5;
    result.candidateReaders = [{ label: "candidate: + 20260128100011_x", result: candidate }];
    const markdown = renderMarkdown(result);
    expect(markdown).toContain("### Readers, candidate: + 20260128100011_x");
    expect(markdown).toContain("p99 during concurrent / idle p99: get_popular_tracks 1.25×, health_check 1.25×.");
    expect(evaluateTargets(result)).toEqual(result.targets);
  });
});

describe("Markdown layout", () => {
  it("separates every heading, paragraph and table by one blank line", () => {
    const markdown = renderMarkdown(benchResult());
    expect(markdown.startsWith("# Bench results: small\n\nGenerated by")).toBe(true);
    expect(markdown).not.toMatch(/\n{3,}/);
    for (const heading of markdown.split("\n").filter((line) => line.startsWith("#"))) {
      expect(markdown).toContain(`\n\n${heading}\n\n`.replace(/^\n\n# /, "# "));
    }
    expect(markdown.endsWith("\n")).toBe(true);
  });
});
