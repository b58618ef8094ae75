// The clock, sleep, randomness and request timeout the Management API client uses.
//
// Tests replace them (installApiRuntime) to run retries and provisioning polls instantly, on
// a virtual clock, and to assert on the delays that were asked for instead of timing
// anything. The override lives on globalThis and is read at call time, because provider
// code is serialized into the stack state and must not capture live objects.
import { REQUEST_TIMEOUT_MS } from "./retryPolicy";

export interface ApiRuntime {
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
  requestTimeoutMs: number;
}

const RUNTIME_OVERRIDE_KEY = "__supabaseAnalyticsManagementApiRuntime";

export function apiRuntime(): ApiRuntime {
  const override = (globalThis as Record<string, unknown>)[RUNTIME_OVERRIDE_KEY] as Partial<ApiRuntime> | undefined;
  return {
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    random: () => Math.random(),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    ...override,
  };
}

/** Replaces parts of the runtime until the returned function is called. For tests. */
export function installApiRuntime(override: Partial<ApiRuntime>): () => void {
  const store = globalThis as Record<string, unknown>;
  const previous = store[RUNTIME_OVERRIDE_KEY];
  store[RUNTIME_OVERRIDE_KEY] = override;
  return () => {
    store[RUNTIME_OVERRIDE_KEY] = previous;
  };
}
