// How the Postgres resources reach the database.
//
// - node-postgres is required inside the functions: the providers are serialized by Pulumi,
//   so nothing live is captured. A session is opened per operation, and kept open for a few
//   seconds afterwards in a per-process cache on globalThis, keyed by the connection string:
//   the engine runs many operations on one database, and a new session pays authentication
//   and cold catalog caches every time (measured: most of a deploy's overhead over psql).
//   A session that failed is closed, never reused; a reused one is reset first.
// - sslmode means what it means to libpq (psql, the Supabase CLI). node-postgres alone reads
//   `sslmode=require` as verify-full, which fails against the Supabase pooler, whose
//   certificate is signed by Supabase's own CA. So:
//     disable      no TLS
//     prefer       TLS without verification, plain connection if the server has no TLS
//                  (libpq's default, used when the URL has no sslmode)
//     require      TLS without verification (with sslrootcert: verify-ca, as libpq does)
//     verify-ca    TLS, certificate checked against sslrootcert, host name not checked
//     verify-full  TLS, certificate and host name checked (sslrootcert, else the system CAs)
//   A URL that sets uselibpqcompat itself is passed to node-postgres as written.
// - Every session gets application_name and the deploy timeouts below; migrations raise the
//   statement timeout inside their transaction.
// - Errors leave through operationError (errors.ts): never with the password.
import type { Client, ClientConfig } from "pg";
import { connectWithRetry } from "./connectRetry";
import { asPgError, isErrorLike, operationError, providerError, redactSecrets } from "./errors";

/** What the database sees in pg_stat_activity.application_name for deploy sessions. */
export const APPLICATION_NAME = "supabase-analytics-deploy";
/** Time to establish a connection (TCP, TLS, authentication). */
export const CONNECT_TIMEOUT_MS = 15_000;
/** Longest wait for a table or catalog lock held by someone else; then the statement fails (55P03). */
export const LOCK_TIMEOUT = "10s";
/** Longest single statement of Extension, Grant and CronJob operations and of every read. */
export const STATEMENT_TIMEOUT = "60s";
/** Longest single statement of a migration (creating and populating materialized views takes a while). */
export const MIGRATION_STATEMENT_TIMEOUT = "30min";
/** Longest wait for another deployer (or the Supabase CLI) to finish applying migrations. */
export const MIGRATION_LOCK_WAIT = "10min";

/** How long a session stays open after an operation, for the next one on the same database. */
export const IDLE_SESSION_MS = 5_000;

/** Constant text: the values above, quoted as settings. */
const SESSION_SETTINGS_SQL = `set lock_timeout = '${LOCK_TIMEOUT}'; set statement_timeout = '${STATEMENT_TIMEOUT}'`;
/** Before reuse: back to the connection's defaults (application_name stays), then the deploy timeouts. */
const RESET_SESSION_SQL = `reset all; ${SESSION_SETTINGS_SQL}`;
/** Per process: idle sessions by connection string. */
const IDLE_SESSIONS_KEY = "__supabaseAnalyticsIdlePostgresSessions";
/** The server ended the session while it was idle (e.g. pg_terminate_backend, drop database with force). */
const SESSION_TERMINATED = ["57P01", "57P02", "57P03"];

export const SUPPORTED_SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SUPPORTED_SSL_MODES)[number];

/** node-postgres's words when a server answers the TLS request with "no". */
const SERVER_WITHOUT_TLS = "The server does not support SSL connections";
/** Per process: servers that answered `prefer` without TLS, so later operations skip the attempt. */
const PLAIN_SERVERS_KEY = "__supabaseAnalyticsPlainPostgresServers";

export interface ParsedConnection {
  config: ClientConfig;
  sslMode: SslMode;
  /** host:port/database, for messages: no user, no password. */
  target: string;
}

/** The connection URL's parts that messages may show. */
export function describeTarget(connection: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)(\/[^?#]*)?/i.exec(connection);
  if (!match) return "(not a URL)";
  return `${match[1]}${match[2] ?? ""}`;
}

/**
 * The node-postgres configuration for a connection URL, with libpq's sslmode semantics.
 * Throws a provider error (without the password) when the URL cannot be used.
 */
export function parseConnection(connection: string): ParsedConnection {
  const { parse, toClientConfig } = require("pg-connection-string") as typeof import("pg-connection-string");
  if (!/^postgres(ql)?:\/\//i.test(connection)) {
    throw providerError("connection: must be a postgresql:// URL (postgresql://user:password@host:port/database?sslmode=require)");
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_INVALID_URL") {
      throw providerError("connection: not a valid URL (special characters in the password must be %-encoded)");
    }
    throw error;
  }
  const target = describeTarget(connection);
  if (!url.hostname) throw providerError("connection: the URL names no host (special characters in the password must be %-encoded)");
  if (url.searchParams.has("ssl")) throw providerError("connection: use sslmode=... instead of ssl=... (libpq's parameter, see the README)");
  const requested = url.searchParams.get("sslmode") ?? "prefer";
  if (!(SUPPORTED_SSL_MODES as readonly string[]).includes(requested)) {
    throw providerError(`connection: sslmode=${requested} is not supported; use one of ${SUPPORTED_SSL_MODES.join(", ")}`);
  }
  const sslMode = requested as SslMode;
  const ownCompat = url.searchParams.has("uselibpqcompat");
  let options: ReturnType<typeof parse>;
  try {
    options = parse(connection, ownCompat ? {} : { useLibpqCompat: true });
  } catch (error) {
    // pg-connection-string names the missing CA file or the verify-ca rule; never the URL.
    throw providerError(redactSecrets(`connection: ${(error as Error).message}`, connection));
  }
  const config = toClientConfig(options);
  if (!url.searchParams.has("sslmode")) config.ssl = { rejectUnauthorized: false };
  config.application_name = url.searchParams.get("application_name") ?? APPLICATION_NAME;
  config.connectionTimeoutMillis = CONNECT_TIMEOUT_MS;
  return { config, sslMode, target };
}

/** Why check() refuses a connection URL, or undefined. Does not connect. */
export function connectionProblem(connection: unknown): string | undefined {
  if (typeof connection !== "string" || connection === "") return "required: a postgresql:// URL";
  let parsed: ParsedConnection;
  try {
    parsed = parseConnection(connection);
  } catch (error) {
    return (error as Error).message.replace(/^connection: /, "");
  }
  const url = new URL(connection);
  if (/\.pooler\.supabase\.com$/i.test(url.hostname) && url.port === "6543") {
    return "port 6543 is Supabase's transaction pooler; deploys need a session (advisory locks, settings): use the session pooler (port 5432) or the direct connection";
  }
  if (/\.supabase\.(co|com)$/i.test(url.hostname) && parsed.sslMode === "disable") {
    return "Supabase requires TLS: use sslmode=require (or verify-full with sslrootcert=<Supabase CA file>)";
  }
  return undefined;
}

function plainServers(): Set<string> {
  const store = globalThis as unknown as Record<string, Set<string> | undefined>;
  store[PLAIN_SERVERS_KEY] ??= new Set<string>();
  return store[PLAIN_SERVERS_KEY] as Set<string>;
}

async function connectOnce(config: ClientConfig): Promise<Client> {
  const { Client: PgClient } = require("pg") as typeof import("pg");
  const client = new PgClient(config);
  // An idle client whose server goes away emits 'error'; the running query reports it anyway.
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/** Connects as libpq would for the URL's sslmode (prefer: TLS first, plain if the server has none). */
async function connect(parsed: ParsedConnection): Promise<Client> {
  if (parsed.sslMode !== "prefer") return connectOnce(parsed.config);
  const known = plainServers();
  if (known.has(parsed.target)) return connectOnce({ ...parsed.config, ssl: false });
  try {
    return await connectOnce(parsed.config);
  } catch (error) {
    if (!isErrorLike(error) || error.message !== SERVER_WITHOUT_TLS) throw error;
    known.add(parsed.target);
    return connectOnce({ ...parsed.config, ssl: false });
  }
}

interface IdleSession {
  client: Client;
  closeTimer: ReturnType<typeof setTimeout>;
  onEnd: () => void;
}

function idleSessions(): Map<string, IdleSession[]> {
  const store = globalThis as unknown as Record<string, Map<string, IdleSession[]> | undefined>;
  store[IDLE_SESSIONS_KEY] ??= new Map<string, IdleSession[]>();
  return store[IDLE_SESSIONS_KEY] as Map<string, IdleSession[]>;
}

/** An idle session's socket must not keep the process (the provider host, a test run) alive. */
function holdProcess(client: Client, hold: boolean): void {
  const socket = (client as unknown as { connection?: { stream?: { ref?(): void; unref?(): void } } }).connection?.stream;
  if (hold) socket?.ref?.();
  else socket?.unref?.();
}

function forget(connection: string, client: Client): void {
  const sessions = idleSessions();
  const remaining = (sessions.get(connection) ?? []).filter((idle) => idle.client !== client);
  if (remaining.length > 0) sessions.set(connection, remaining);
  else sessions.delete(connection);
}

function closeQuietly(client: Client): void {
  // The session is being discarded; how its socket ends changes nothing for the caller.
  client.end().then(undefined, () => undefined);
}

/** True when a reused session turned out to be dead: ended by the server, or its socket gone. */
function isDeadSession(error: unknown): boolean {
  const pgError = asPgError(error);
  if (pgError) return SESSION_TERMINATED.includes(pgError.code ?? "");
  return isErrorLike(error) && /Connection terminated|not queryable|ECONNRESET|EPIPE/.test(error.message);
}

/** An idle session of this connection string, reset for reuse, or undefined. */
async function reuseIdleSession(connection: string): Promise<Client | undefined> {
  for (;;) {
    const idle = idleSessions().get(connection)?.pop();
    if (!idle) return undefined;
    clearTimeout(idle.closeTimer);
    idle.client.off("end", idle.onEnd);
    holdProcess(idle.client, true);
    try {
      await idle.client.query(RESET_SESSION_SQL);
      return idle.client;
    } catch (error) {
      if (!isDeadSession(error)) throw error;
      closeQuietly(idle.client);
    }
  }
}

async function openSession(connection: string, parsed: ParsedConnection): Promise<Client> {
  const reused = await reuseIdleSession(connection);
  if (reused) return reused;
  const client = await connectWithRetry(parsed.config, () => connect(parsed));
  await client.query(SESSION_SETTINGS_SQL);
  return client;
}

function keepIdle(connection: string, client: Client): void {
  const closeTimer = setTimeout(() => {
    forget(connection, client);
    closeQuietly(client);
  }, IDLE_SESSION_MS);
  closeTimer.unref();
  holdProcess(client, false);
  const onEnd = () => {
    clearTimeout(closeTimer);
    forget(connection, client);
  };
  client.once("end", onEnd);
  const sessions = idleSessions();
  sessions.set(connection, [...(sessions.get(connection) ?? []), { client, closeTimer, onEnd }]);
}

/**
 * Runs fn with a session on the database: application_name and the deploy timeouts set. A
 * session fn completed with is kept for the next operation (IDLE_SESSION_MS); one it failed
 * with is closed. Every error that leaves is redacted and names the operation.
 */
export async function withDatabase<T>(connection: string, operation: string, fn: (client: Client) => Promise<T>): Promise<T> {
  let parsed: ParsedConnection;
  try {
    parsed = parseConnection(connection);
  } catch (error) {
    throw operationError(operation, error, connection);
  }
  let client: Client | undefined;
  try {
    client = await openSession(connection, parsed);
    const result = await fn(client);
    keepIdle(connection, client);
    return result;
  } catch (error) {
    if (client) closeQuietly(client);
    throw operationError(`${operation} on ${parsed.target}`, error, connection);
  }
}

/** Rolls back after a failure. A rollback that fails without SQLSTATE means the session is gone, and the server aborts the transaction itself. */
async function rollbackAfterFailure(client: Client): Promise<void> {
  try {
    await client.query("rollback");
  } catch (rollbackError) {
    if (asPgError(rollbackError)) throw rollbackError;
  }
}

/** Runs fn between begin and commit; rolls back when it fails. */
export async function inTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await rollbackAfterFailure(client);
    throw error;
  }
  await client.query("commit");
  return result;
}
