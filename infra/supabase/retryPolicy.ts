// When and how long the Management API client waits before trying a request again.
//
// The API allows 120 requests per minute per user and project/organization and answers 429
// for the rest of the minute, with Retry-After and X-RateLimit-Reset (seconds until the
// window resets). GETs are idempotent, so they are also retried on 408, 5xx, timeouts and
// network errors; writes only on 429, which means the request was not processed.

/** Attempts per request, the first included. */
export const MAX_ATTEMPTS = 5;
/** First backoff step when the server gives no hint; doubles per attempt. */
export const BASE_RETRY_DELAY_MS = 500;
/** No single wait is longer than this (a full rate-limit window). */
export const MAX_RETRY_DELAY_MS = 60_000;
/** Per attempt, from sending the request to reading the whole response body. */
export const REQUEST_TIMEOUT_MS = 30_000;

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export function isRetryableStatus(method: HttpMethod, status: number): boolean {
  if (status === 429) return true;
  if (method !== "GET") return false;
  return status === 408 || (status >= 500 && status <= 599);
}

/** Network errors and timeouts: the request may or may not have reached the API. */
export function isRetryableFailure(method: HttpMethod): boolean {
  return method === "GET";
}

/** Retry-After: delay-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Above this an X-RateLimit-Reset value is read as a Unix time, not as seconds remaining. */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

/** X-RateLimit-Reset: seconds until the window resets (Supabase); tolerates a Unix time too. */
export function parseRateLimitResetMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  const seconds = Number(value.trim());
  if (seconds >= EPOCH_SECONDS_THRESHOLD) return Math.max(0, seconds * 1000 - nowMs);
  return Math.ceil(seconds * 1000);
}

export interface RetryContext {
  /** 1 after the first failed attempt, 2 after the second, ... */
  failedAttempts: number;
  status?: number;
  headers?: Headers;
  nowMs: number;
  /** A number in [0, 1), for jitter. */
  random: number;
}

/**
 * The server's hint when it gives one (Retry-After, or X-RateLimit-Reset on a 429), else
 * exponential backoff with "equal jitter": half the step fixed, half random, so concurrent
 * clients spread out but every wait still grows.
 */
export function retryDelayMs(context: RetryContext): number {
  const headers = context.headers;
  const hinted =
    parseRetryAfterMs(headers?.get("retry-after") ?? null, context.nowMs) ??
    (context.status === 429 ? parseRateLimitResetMs(headers?.get("x-ratelimit-reset") ?? null, context.nowMs) : undefined);
  if (hinted !== undefined) return Math.min(hinted, MAX_RETRY_DELAY_MS);
  const step = Math.min(BASE_RETRY_DELAY_MS * 2 ** (context.failedAttempts - 1), MAX_RETRY_DELAY_MS);
  return Math.round(step / 2 + (context.random * step) / 2);
}
