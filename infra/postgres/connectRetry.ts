// The first connection to a just-provisioned Supabase project, retried with bounded backoff.
//
// After ACTIVE_HEALTHY a new project's database is not always reachable yet: the direct host
// refuses connections for a while, the pooler (Supavisor) does not know the tenant yet and
// answers "Tenant or user not found", and the password can take a moment to reach the
// pooler (authentication failed). The Supabase CLI and terraform-provider-supabase retry
// there; so does this, and only there:
// - only for a Supabase project's database: the pooler's tenant user `postgres.<ref>` or the
//   direct host `db.<ref>.supabase.co` (a local or self-hosted database fails at once);
// - only until this process has once connected to that target (the *first* connection);
// - only on those three failures; any other error (wrong database, DNS, TLS, a refused
//   statement) fails at once;
// - bounded: at most CONNECT_RETRY.maxElapsedMs in all (the first minutes), and at most
//   CONNECT_RETRY.maxAuthenticationFailures authentication failures, since the pooler bans a
//   client that keeps failing to authenticate.
//
// Plain functions, state on globalThis: provider code is serialized by Pulumi.
import { asPgError, isErrorLike } from "../toolkit";

export const CONNECT_RETRY = {
  firstDelayMs: 1_000,
  maxDelayMs: 15_000,
  /** The whole retry window, from the first attempt. */
  maxElapsedMs: 3 * 60_000,
  /** Authentication failures tolerated before giving up (the pooler bans repeated failures). */
  maxAuthenticationFailures: 3,
} as const;

/** Supavisor's answer while it does not know the project's tenant (yet). */
export const TENANT_NOT_FOUND = "Tenant or user not found";
/** invalid_password, invalid_authorization_specification. */
const AUTHENTICATION_FAILED = ["28P01", "28000"];

export type RetryableConnectFailure = "connection refused" | "tenant not found" | "authentication failed";

/** The pooler's tenant user (postgres.<ref>) or the direct host of a project (db.<ref>.supabase.co). */
const POOLER_TENANT_USER = /^[^.]+\.[a-z]{20}$/;
const DIRECT_PROJECT_HOST = /^db\.[a-z]{20}\.supabase\.co$/i;

export interface ConnectTarget {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
}

export interface ConnectRetryRuntime {
  sleep(ms: number): Promise<void>;
  now(): number;
}

const RUNTIME_KEY = "__supabaseAnalyticsConnectRetryRuntime";
const REACHED_KEY = "__supabaseAnalyticsReachedTargets";

const realRuntime: ConnectRetryRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

function runtime(): ConnectRetryRuntime {
  return ((globalThis as Record<string, unknown>)[RUNTIME_KEY] as ConnectRetryRuntime | undefined) ?? realRuntime;
}

/** Tests replace sleep and the clock (nothing waits for real); returns the function that restores them. */
export function installConnectRetryRuntime(replacement: ConnectRetryRuntime): () => void {
  const store = globalThis as Record<string, unknown>;
  const previous = store[RUNTIME_KEY];
  store[RUNTIME_KEY] = replacement;
  return () => {
    store[RUNTIME_KEY] = previous;
  };
}

function reachedTargets(): Set<string> {
  const store = globalThis as Record<string, unknown>;
  store[REACHED_KEY] ??= new Set<string>();
  return store[REACHED_KEY] as Set<string>;
}

function targetKey(target: ConnectTarget): string {
  return `${target.user ?? ""}@${target.host ?? ""}:${target.port ?? ""}/${target.database ?? ""}`;
}

export function isSupabaseProjectTarget(target: ConnectTarget): boolean {
  return POOLER_TENANT_USER.test(target.user ?? "") || DIRECT_PROJECT_HOST.test(target.host ?? "");
}

function nodeErrorCodes(error: unknown): string[] {
  if (!isErrorLike(error)) return [];
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  const nested = Array.isArray(errors) ? errors.flatMap(nodeErrorCodes) : [];
  return [...(typeof code === "string" ? [code] : []), ...nested];
}

/** Which of the failures a just-provisioned project gives this is, or undefined for any other error. */
export function classifyConnectFailure(error: unknown): RetryableConnectFailure | undefined {
  const pgError = asPgError(error);
  if (pgError) {
    if (pgError.message.includes(TENANT_NOT_FOUND)) return "tenant not found";
    return AUTHENTICATION_FAILED.includes(pgError.code ?? "") ? "authentication failed" : undefined;
  }
  // Supavisor may close with its message before a full protocol error; the text is what it says.
  if (isErrorLike(error) && error.message.includes(TENANT_NOT_FOUND)) return "tenant not found";
  return nodeErrorCodes(error).includes("ECONNREFUSED") ? "connection refused" : undefined;
}

function nextDelay(previous: number): number {
  return Math.min(previous * 2, CONNECT_RETRY.maxDelayMs);
}

/**
 * Runs connect, retrying the first connection to a Supabase project on the failures a
 * just-provisioned project gives (see the file comment); the last error is rethrown as it is.
 */
export async function connectWithRetry<T>(target: ConnectTarget, connect: () => Promise<T>): Promise<T> {
  const key = targetKey(target);
  const retrying = isSupabaseProjectTarget(target) && !reachedTargets().has(key);
  const clock = runtime();
  const started = clock.now();
  let delay: number = CONNECT_RETRY.firstDelayMs;
  let authenticationFailures = 0;
  for (;;) {
    try {
      const connected = await connect();
      reachedTargets().add(key);
      return connected;
    } catch (error) {
      const failure = retrying ? classifyConnectFailure(error) : undefined;
      if (failure === undefined) throw error;
      if (failure === "authentication failed" && ++authenticationFailures >= CONNECT_RETRY.maxAuthenticationFailures) throw error;
      const remaining = started + CONNECT_RETRY.maxElapsedMs - clock.now();
      if (remaining <= 0) throw error;
      await clock.sleep(Math.min(delay, remaining));
      delay = nextDelay(delay);
    }
  }
}
