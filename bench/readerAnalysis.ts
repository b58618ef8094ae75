// Pure analysis of the reader loop: which reads fall in a phase's windows, their latency
// percentiles, and which were blocked according to the lock sampler. Unit-tested in
// tests/bench/readerAnalysis.test.ts. Times are milliseconds on one monotonic clock.
import { summarizeLatencies, LatencySummary } from "./stats";
import type { ReaderCall } from "./types";

export interface Read {
  call: ReaderCall;
  start: number;
  end: number;
}

export interface LockSample {
  /** When the sampler's answer describes the reader (midpoint of the sampling query). */
  at: number;
  blocked: boolean;
  /** The locks the reader waited for, e.g. "AccessShareLock on analytics.popular_tracks". */
  waitingFor: string[];
}

export interface Window {
  start: number;
  end: number;
}

export interface PhaseAnalysis {
  latency: Record<ReaderCall, LatencySummary>;
  blockedReads: Record<ReaderCall, number>;
  longestBlockMs: number;
  samples: number;
  blockedOn: string[];
}

const CALLS: readonly ReaderCall[] = ["get_popular_tracks", "health_check"];

function overlaps(a: Window, b: Window): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function inAnyWindow(at: number, windows: readonly Window[]): boolean {
  return windows.some((w) => at >= w.start && at <= w.end);
}

/** Index of the first sample at or after `time` (samples sorted by `at`). */
export function firstSampleAtOrAfter(samples: readonly LockSample[], time: number): number {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (samples[mid].at < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Whether any sample taken while the read ran saw the reader blocked. */
export function wasBlocked(read: Read, samples: readonly LockSample[]): boolean {
  for (let i = firstSampleAtOrAfter(samples, read.start); i < samples.length && samples[i].at <= read.end; i++) {
    if (samples[i].blocked) return true;
  }
  return false;
}

/**
 * The longest stretch of consecutive blocked samples inside one window, first to last blocked
 * sample; a sample outside the windows (between two refreshes) ends a stretch.
 */
export function longestBlock(samples: readonly LockSample[], windows: readonly Window[]): number {
  let longest = 0;
  let runStart: number | undefined;
  let runEnd = 0;
  for (const sample of samples) {
    if (sample.blocked && inAnyWindow(sample.at, windows)) {
      runStart ??= sample.at;
      runEnd = sample.at;
      longest = Math.max(longest, runEnd - runStart);
    } else {
      runStart = undefined;
    }
  }
  return longest;
}

const EMPTY: LatencySummary = { count: 0, p50: 0, p99: 0, max: 0 };

/**
 * The reads that overlap any of the windows (a read that started before a refresh and ended
 * during it was a read during the refresh), summarized per call.
 */
export function analyzePhase(reads: readonly Read[], samples: readonly LockSample[], windows: readonly Window[]): PhaseAnalysis {
  const sortedSamples = [...samples].sort((a, b) => a.at - b.at);
  const inPhase = reads.filter((read) => windows.some((w) => overlaps(read, w)));
  const latency = {} as Record<ReaderCall, LatencySummary>;
  const blockedReads = {} as Record<ReaderCall, number>;
  for (const call of CALLS) {
    const ofCall = inPhase.filter((read) => read.call === call);
    latency[call] = ofCall.length ? summarizeLatencies(ofCall.map((read) => read.end - read.start)) : EMPTY;
    blockedReads[call] = ofCall.filter((read) => wasBlocked(read, sortedSamples)).length;
  }
  const phaseSamples = sortedSamples.filter((s) => inAnyWindow(s.at, windows));
  const blockedOn = [...new Set(phaseSamples.filter((s) => s.blocked).flatMap((s) => s.waitingFor))].sort();
  return { latency, blockedReads, longestBlockMs: longestBlock(sortedSamples, windows), samples: phaseSamples.length, blockedOn };
}

/** Server log lines that say the reader's backend waited for a lock (log_lock_waits). */
export function countLockWaitLines(log: string, pid: number): number {
  const pattern = new RegExp(`process ${pid} (still waiting|acquired) `, "g");
  return [...log.matchAll(pattern)].filter((m) => m[1] === "still waiting").length;
}
