// Shared set-up for the infra/supabase tests: a fake Management API per test, the provider
// environment pointing at it, and a virtual clock so retries and provisioning polls run
// instantly while the delays they asked for are recorded (no test measures time).
import { ACCESS_TOKEN_ENV, API_URL_ENV } from "../../infra/supabase/credentials";
import { installApiRuntime } from "../../infra/supabase/runtime";
import { FakeManagementApi, startFakeManagementApi } from "../support/fakeManagementApi";

export interface VirtualClock {
  /** Every delay the code under test asked to sleep, in order (ms). */
  sleeps: number[];
  now(): number;
  restore(): void;
}

/** Replaces sleep/now/random of the Management API client; `random` defaults to 0.5. */
export function installVirtualClock(options: { random?: () => number; requestTimeoutMs?: number } = {}): VirtualClock {
  let now = 1_800_000_000_000;
  const sleeps: number[] = [];
  const restore = installApiRuntime({
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    random: options.random ?? (() => 0.5),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  return { sleeps, now: () => now, restore };
}

export interface ApiTestContext {
  fake: FakeManagementApi;
  clock: VirtualClock;
}

/**
 * Per test: a fresh fake, SUPABASE_ACCESS_TOKEN/SUPABASE_API_URL pointing at it (as in CI),
 * a virtual clock; after each test the fake must have seen no spec violation.
 */
export function useFakeManagementApi(): ApiTestContext {
  const context = {} as ApiTestContext;
  const savedEnv: Record<string, string | undefined> = {};
  beforeEach(async () => {
    context.fake = await startFakeManagementApi();
    context.clock = installVirtualClock();
    for (const key of [ACCESS_TOKEN_ENV, API_URL_ENV]) savedEnv[key] = process.env[key];
    process.env[ACCESS_TOKEN_ENV] = context.fake.token;
    process.env[API_URL_ENV] = context.fake.url;
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    context.clock.restore();
    await context.fake.close();
    context.fake.assertNoViolations();
  });
  return context;
}

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    // Duck-typed: errors from fetch come from another realm under jest.
    if (typeof error === "object" && error !== null && "message" in error) return error as Error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** JSON of everything a provider returned, to search for leaked secrets. */
export function serialized(value: unknown): string {
  return JSON.stringify(value) ?? "";
}
