// The bench's command line.
import { DEFAULT_BASELINE_VERSION, DEFAULT_SEED, MEASUREMENTS, parseArgs, UsageError } from "../../bench/args";
import { EVENTS_PER_USER, SCALES } from "../../bench/scales";

const NOW = new Date("2026-01-28T15:04:05Z");

describe("parseArgs", () => {
  it("defaults: small scale, every measurement, today's UTC date as anchor", () => {
    const options = parseArgs([], NOW, "out");
    expect(options).toMatchObject({
      scale: "small",
      seed: DEFAULT_SEED,
      anchorDate: "2026-01-28",
      measurements: [...MEASUREMENTS],
      explain: true,
      outDir: "out",
      baselineVersion: DEFAULT_BASELINE_VERSION,
      notes: [],
      renderOnly: false,
      help: false,
    });
    expect(options.rounds).toBeUndefined();
  });

  it("reads every option, in both --flag value and --flag=value forms", () => {
    const options = parseArgs(
      ["--scale", "medium", "--only=drift,refresh", "--seed", "7", "--anchor", "2025-12-31", "--rounds=3", "--no-explain", "--out", "x", "--note", "a=b", "--note", "c", "--baseline", "none", "--render"],
      NOW,
    );
    expect(options).toMatchObject({
      scale: "medium",
      measurements: ["refresh", "drift"],
      seed: 7,
      anchorDate: "2025-12-31",
      rounds: 3,
      explain: false,
      outDir: "x",
      notes: ["a=b", "c"],
      baselineVersion: "none",
      renderOnly: true,
    });
  });

  it.each([
    [["--scale", "huge"], /--scale must be one of small, medium, large/],
    [["--only", "refresh,speed"], /unknown: speed/],
    [["--seed", "-1"], /--seed must be a positive integer/],
    [["--seed", "1.5"], /--seed must be a positive integer/],
    [["--rounds", "0"], /--rounds must be a positive integer/],
    [["--anchor", "2026-13-45"], /--anchor must be a date/],
    [["--baseline", "2026"], /--baseline must be a 14-digit migration version/],
    [["--scale"], /--scale needs a value/],
    [["--fast"], /unknown option "--fast"/],
  ])("refuses %j with a message that names the option", (argv, message) => {
    expect(() => parseArgs(argv as string[], NOW)).toThrow(UsageError);
    expect(() => parseArgs(argv as string[], NOW)).toThrow(message as RegExp);
  });
});

describe("scales", () => {
  it("aim at about 100k, 1M and 5M events, users derived from the calibrated events per user", () => {
    expect(SCALES.small.targetEvents).toBe(100_000);
    expect(SCALES.medium.targetEvents).toBe(1_000_000);
    expect(SCALES.large.targetEvents).toBe(5_000_000);
    for (const scale of Object.values(SCALES)) {
      expect(scale.users).toBe(Math.round(scale.targetEvents / EVENTS_PER_USER));
      expect(scale.refreshRepetitions).toBeGreaterThanOrEqual(3);
    }
  });
});
