// The bench's scales: how much learning data the generator makes, and how many repetitions
// each measurement gets. Users are calibrated so that the four event tables together hold
// about `targetEvents` rows (lesson completions + quiz attempts + review sessions + explanation views).

export const SCALE_NAMES = ["small", "medium", "large"] as const;
export type ScaleName = (typeof SCALE_NAMES)[number];

export interface Scale {
  name: ScaleName;
  /** The rows the generator aims at across the four event tables. */
  targetEvents: number;
  users: number;
  tracks: number;
  /** Days of history, ending on the anchor date (today, UTC, unless given). */
  windowDays: number;
  /** Repetitions of each refresh measurement; medians are reported. */
  refreshRepetitions: number;
  /** Refreshes run under the reader loop, per kind (concurrent, each after an idle window of its length; plain). */
  readerRefreshes: number;
  /** Fresh databases the deploy comparison runs on, per side. */
  deployRepetitions: number;
}

/** Events per generated user, measured on the generator (bench/results record the actual counts). */
export const EVENTS_PER_USER = 69;

function scale(name: ScaleName, targetEvents: number, tracks: number, repetitions: { refresh: number; readers: number; deploy: number }): Scale {
  return {
    name,
    targetEvents,
    users: Math.round(targetEvents / EVENTS_PER_USER),
    tracks,
    windowDays: 180,
    refreshRepetitions: repetitions.refresh,
    readerRefreshes: repetitions.readers,
    deployRepetitions: repetitions.deploy,
  };
}

export const SCALES: Record<ScaleName, Scale> = {
  small: scale("small", 100_000, 60, { refresh: 7, readers: 10, deploy: 7 }),
  medium: scale("medium", 1_000_000, 150, { refresh: 5, readers: 6, deploy: 7 }),
  large: scale("large", 5_000_000, 300, { refresh: 3, readers: 3, deploy: 5 }),
};

export function isScaleName(value: string): value is ScaleName {
  return (SCALE_NAMES as readonly string[]).includes(value);
}
