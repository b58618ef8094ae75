// The reader loop's analysis: which reads belong to a phase, which were blocked, how long.
import { analyzePhase, countLockWaitLines, firstSampleAtOrAfter, LockSample, longestBlock, Read, wasBlocked } from "../../bench/readerAnalysis";

const sample = (at: number, blocked = false, waitingFor: string[] = []): LockSample => ({ at, blocked, waitingFor });
const read = (call: Read["call"], start: number, end: number): Read => ({ call, start, end });

describe("wasBlocked", () => {
  const samples = [sample(0), sample(10, true, ["AccessShareLock on analytics.popular_tracks"]), sample(20), sample(30)];

  it("is true when a blocked sample falls inside the read, bounds included", () => {
    expect(wasBlocked(read("health_check", 5, 15), samples)).toBe(true);
    expect(wasBlocked(read("health_check", 10, 10), samples)).toBe(true);
  });

  it("is false when blocked samples are outside the read", () => {
    expect(wasBlocked(read("health_check", 11, 29), samples)).toBe(false);
    expect(wasBlocked(read("health_check", -5, 9), samples)).toBe(false);
  });

  it("finds the first sample at or after a time by binary search", () => {
    expect(firstSampleAtOrAfter(samples, -1)).toBe(0);
    expect(firstSampleAtOrAfter(samples, 10)).toBe(1);
    expect(firstSampleAtOrAfter(samples, 11)).toBe(2);
    expect(firstSampleAtOrAfter(samples, 31)).toBe(4);
  });
});

describe("longestBlock", () => {
  it("measures the longest run of consecutive blocked samples inside the windows", () => {
    const samples = [sample(0, true), sample(5, true), sample(10), sample(20, true), sample(30, true), sample(45, true), sample(50)];
    expect(longestBlock(samples, [{ start: 0, end: 100 }])).toBe(25);
    // outside the window, the long run does not count
    expect(longestBlock(samples, [{ start: 0, end: 12 }])).toBe(5);
    expect(longestBlock([sample(1), sample(2)], [{ start: 0, end: 10 }])).toBe(0);
  });

  it("ends a stretch at a sample between two windows, even a blocked one", () => {
    const samples = [sample(0, true), sample(10, true), sample(15, true), sample(20, true), sample(30, true)];
    const windows = [{ start: 0, end: 10 }, { start: 20, end: 30 }];
    expect(longestBlock(samples, windows)).toBe(10);
  });
});

describe("analyzePhase", () => {
  const reads = [
    read("get_popular_tracks", 0, 2), // before the window
    read("health_check", 9, 12), // overlaps the window's start
    read("get_popular_tracks", 12, 14),
    read("health_check", 14, 40), // blocked
    read("get_popular_tracks", 40, 41),
    read("health_check", 60, 61), // after the window
  ];
  const samples = [sample(13), sample(20, true, ["AccessShareLock on analytics.summary_stats"]), sample(30, true, ["AccessShareLock on analytics.summary_stats"]), sample(41)];

  it("keeps the reads that overlap a window, with their latency percentiles and blocked counts", () => {
    const analysis = analyzePhase(reads, samples, [{ start: 10, end: 45 }]);
    expect(analysis.latency.get_popular_tracks.count).toBe(2);
    expect(analysis.latency.health_check.count).toBe(2);
    expect(analysis.latency.health_check.max).toBe(26);
    expect(analysis.latency.get_popular_tracks.max).toBe(2);
    expect(analysis.blockedReads).toEqual({ get_popular_tracks: 0, health_check: 1 });
    expect(analysis.longestBlockMs).toBe(10);
    expect(analysis.samples).toBe(4);
    expect(analysis.blockedOn).toEqual(["AccessShareLock on analytics.summary_stats"]);
  });

  it("reports zero reads (not a crash) for a call without reads in the phase", () => {
    const analysis = analyzePhase([read("health_check", 0, 1)], [], [{ start: 0, end: 5 }]);
    expect(analysis.latency.get_popular_tracks).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    expect(analysis.latency.health_check.count).toBe(1);
  });
});

describe("countLockWaitLines", () => {
  it("counts the server's log_lock_waits lines of one backend only", () => {
    const log = [
      "2026-01-28 10:00:00.001 UTC [4242] LOG:  process 4242 still waiting for AccessShareLock on relation 16600 of database 16384 after 1.012 ms",
      "2026-01-28 10:00:00.900 UTC [4242] LOG:  process 4242 acquired AccessShareLock on relation 16600 of database 16384 after 899.1 ms",
      "2026-01-28 10:00:01.001 UTC [777] LOG:  process 777 still waiting for ShareLock on transaction 900 after 1.000 ms",
      "2026-01-28 10:00:02.001 UTC [4242] LOG:  process 4242 still waiting for AccessShareLock on relation 16601 of database 16384 after 1.003 ms",
    ].join("\n");
    expect(countLockWaitLines(log, 4242)).toBe(2);
    expect(countLockWaitLines(log, 777)).toBe(1);
    expect(countLockWaitLines(log, 42)).toBe(0);
  });
});
