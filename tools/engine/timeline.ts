// When things happened during one operation, seen from the engine's side (milliseconds since
// the operation began): the bench splits a deploy into runtime start, program and provider calls
// from these. Recording only; nothing in the engine's behaviour depends on it.

/** Milliseconds since the operation began, per event; absent when it did not happen. */
export interface Timeline {
  /** The refresh reads (`--refresh`) finished. */
  refreshed?: number;
  /** cmd/run spawned (the language host starts the program). */
  programStarted?: number;
  /** The program's first RegisterResource other than the stack's: the runtime has started and compiled (type-checked) what the entry imports. */
  firstRegistration?: number;
  lastRegistration?: number;
  /** The last resource step (Check, Diff and Create/Update) finished. */
  lastStepDone?: number;
  /** cmd/run exited. */
  programExited?: number;
  /** Deletes, stack policies and the state write done. */
  done?: number;
  /** Starting the dynamic-provider plugin (spawn until configured), when this operation started it. */
  pluginStartMs?: number;
  /** Wall time during which at least one provider call (steps, reads) was running. */
  providerBusyMs: number;
  /** The part of providerBusyMs before cmd/run started (the `--refresh` reads). */
  providerBusyBeforeProgramMs?: number;
  /** Provider calls per method. */
  providerCalls: Record<string, number>;
}

export class TimelineRecorder {
  private readonly began = performance.now();
  readonly timeline: Timeline = { providerBusyMs: 0, providerCalls: {} };
  private running = 0;
  private busySince = 0;

  now(): number {
    return performance.now() - this.began;
  }

  /** Sets `event` to now (the first time only, unless `latest`). */
  mark(event: "refreshed" | "programStarted" | "firstRegistration" | "lastRegistration" | "lastStepDone" | "programExited" | "done", latest = false): void {
    if (latest || this.timeline[event] === undefined) this.timeline[event] = this.now();
    if (event === "programStarted") this.timeline.providerBusyBeforeProgramMs ??= this.timeline.providerBusyMs;
  }

  count(method: string): void {
    this.timeline.providerCalls[method] = (this.timeline.providerCalls[method] ?? 0) + 1;
  }

  /** Runs a provider call, adding to the busy time the spans when no other call was running. */
  async busy<T>(task: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) this.busySince = this.now();
    try {
      return await task();
    } finally {
      if (--this.running === 0) this.timeline.providerBusyMs += this.now() - this.busySince;
    }
  }
}
