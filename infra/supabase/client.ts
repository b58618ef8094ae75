// The request loop of the Management API client: a timeout per attempt, retries with backoff,
// and errors that name the operation, the status and the API's message, never the token.
//
// Plain functions only: provider code is serialized into the stack state, so the openapi-fetch
// client is created per call (it is a small object) instead of being captured.
import type { Client } from "openapi-fetch";
import type { paths } from "./management-api";
import { isErrorLike, redactSecrets } from "../toolkit";
import type { Credentials } from "./credentials";
import { HttpMethod, MAX_ATTEMPTS, isRetryableFailure, isRetryableStatus, retryDelayMs } from "./retryPolicy";
import { apiRuntime } from "./runtime";

export type ManagementApiClient = Client<paths>;

/** What openapi-fetch resolves to: data on 2xx, the parsed error body otherwise. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export interface ManagementApiError extends Error {
  name: "ManagementApiError";
  /** e.g. "GET /v1/projects/{ref}" */
  operation: string;
  /** HTTP status; undefined for timeouts and network errors. */
  status?: number;
  attempts: number;
}

const MAX_MESSAGE_LENGTH = 500;

export function isManagementApiError(error: unknown, status?: number): error is ManagementApiError {
  if (!isErrorLike(error) || error.name !== "ManagementApiError") return false;
  return status === undefined || (error as ManagementApiError).status === status;
}

export function openClient(credentials: Credentials): ManagementApiClient {
  const createClient = require("openapi-fetch").default as typeof import("openapi-fetch").default;
  return createClient<paths>({
    baseUrl: credentials.baseUrl,
    headers: { Authorization: `Bearer ${credentials.token}`, Accept: "application/json" },
  });
}

/** The API's own words: {message}, {error}, {msg}, or a short text body. */
function apiMessage(body: unknown): string {
  if (typeof body === "string") return body.trim().slice(0, MAX_MESSAGE_LENGTH) || "(empty body)";
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    for (const key of ["message", "error", "msg"]) {
      if (typeof record[key] === "string") return (record[key] as string).slice(0, MAX_MESSAGE_LENGTH);
    }
    return JSON.stringify(body).slice(0, MAX_MESSAGE_LENGTH);
  }
  return "(no body)";
}

function apiError(
  operation: string,
  context: string | undefined,
  detail: string,
  attempts: number,
  token: string,
  status?: number,
): ManagementApiError {
  const where = context ? `${operation} (${context})` : operation;
  const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
  const error = new Error(redactSecrets(`${where} failed: ${detail}${tries}`, token)) as ManagementApiError;
  error.name = "ManagementApiError";
  error.operation = operation;
  error.status = status;
  error.attempts = attempts;
  return error;
}

/** What fetch's "fetch failed" carries: the network error underneath. */
function causeOf(error: Error): string | undefined {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message;
}

/**
 * A failure before any HTTP status: timeout, connection error, unreadable body. Anything else
 * (a bug) is not ours to describe and is rethrown as is.
 */
function describeFailure(error: unknown, baseUrl: string, timeoutMs: number): string {
  if (!isErrorLike(error)) throw error;
  if (error.name === "TimeoutError" || error.name === "AbortError") {
    return `no complete response within ${timeoutMs / 1000} s (request timeout)`;
  }
  if (error.name === "TypeError" && error.message === "fetch failed") {
    return `could not reach ${baseUrl}: ${causeOf(error) ?? "network error"}`;
  }
  if (error.name === "SyntaxError") return `the response body is not valid JSON (${error.message})`;
  throw error;
}

export interface Operation<T> {
  /** Method and path template as in the spec, e.g. "GET /v1/projects/{ref}". */
  operation: string;
  method: HttpMethod;
  /** What the call is about, for the error message, e.g. "project abcdefghijklmnopqrst". */
  context?: string;
  call: (client: ManagementApiClient, signal: AbortSignal) => Promise<FetchResult<T>>;
}

/** Runs one API operation with timeout and retries; resolves to the 2xx body. */
export async function send<T>(credentials: Credentials, op: Operation<T>): Promise<T> {
  const runtime = apiRuntime();
  const client = openClient(credentials);
  for (let attempt = 1; ; attempt++) {
    let result: FetchResult<T>;
    try {
      result = await op.call(client, AbortSignal.timeout(runtime.requestTimeoutMs));
    } catch (error) {
      const detail = describeFailure(error, credentials.baseUrl, runtime.requestTimeoutMs);
      if (isRetryableFailure(op.method) && attempt < MAX_ATTEMPTS) {
        await runtime.sleep(retryDelayMs({ failedAttempts: attempt, nowMs: runtime.now(), random: runtime.random() }));
        continue;
      }
      throw apiError(op.operation, op.context, detail, attempt, credentials.token);
    }
    const { response } = result;
    if (response.ok) return result.data as T;
    if (isRetryableStatus(op.method, response.status) && attempt < MAX_ATTEMPTS) {
      await runtime.sleep(
        retryDelayMs({
          failedAttempts: attempt,
          status: response.status,
          headers: response.headers,
          nowMs: runtime.now(),
          random: runtime.random(),
        }),
      );
      continue;
    }
    const detail = `${response.status} ${response.statusText || "error"}: ${apiMessage(result.error)}`;
    throw apiError(op.operation, op.context, detail, attempt, credentials.token, response.status);
  }
}
