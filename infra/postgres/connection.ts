// How the Postgres resources (and `npm run plan`) reach the database.
//
// - One pg.Pool per connection string, created lazily and kept on globalThis, never in a
//   provider object, and node-postgres is required inside the functions. The engine runs many operations on one
//   database, and a new session pays authentication and cold catalog caches every time
//   (measured: most of a deploy's overhead over psql), so a session is kept for the next
//   operation by the pool's own idle handling (IDLE_SESSION_MS; an idle session never keeps
//   the process alive). A session an operation failed with is destroyed, never reused; a
//   reused one is reset first, and one the server ended while it was idle is replaced.
// - At most MAX_SESSIONS sessions per connection string, whatever the engine's --parallel:
//   Supabase's session pooler refuses clients beyond its pool size (below). Operations beyond
//   the cap wait for a session in order, and that wait is not a connect timeout.
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
// - Errors leave through operationError: never with the password.
import type { ClientConfig, Pool, PoolClient } from "pg";
import { connectWithRetry } from "./connectRetry";
import {
  asPgError,
  describePgError,
  isErrorLike,
  isProviderError,
  LOCK_TIMEOUT,
  providerError,
  ProviderError,
  redactSecrets,
  STATEMENT_TIMEOUT,
} from "../toolkit";

export { LOCK_TIMEOUT, STATEMENT_TIMEOUT };

/** What the database sees in pg_stat_activity.application_name for deploy sessions. */
export const APPLICATION_NAME = "supabase-analytics-deploy";
/** Time to establish a connection (TCP, TLS, authentication). */
export const CONNECT_TIMEOUT_MS = 15_000;
/** How long a session stays open after an operation, for the next one on the same database. */
export const IDLE_SESSION_MS = 5_000;
/**
 * Sessions open at once per connection string, idle ones included. Supavisor in session mode
 * refuses a client once as many are connected as the pool size, 15 on the smallest compute
 * ("(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to
 * pool_size: 15": Supavisor.Manager.check_client_limit, lib/supavisor/manager.ex), while the
 * engine reads and steps up to --parallel at once (16 on a 4-vCPU runner). 10 leaves room for
 * the other session-mode clients of the same user and database (psql, the Supabase CLI).
 */
export const MAX_SESSIONS = 10;

/** Constant text: the deploy timeouts, quoted as settings. */
const SESSION_SETTINGS_SQL = `set lock_timeout = '${LOCK_TIMEOUT}'; set statement_timeout = '${STATEMENT_TIMEOUT}'`;
/** Before reuse: back to the connection's defaults (application_name stays), then the deploy timeouts. */
const RESET_SESSION_SQL = `reset all; ${SESSION_SETTINGS_SQL}`;
/** Per process: the pool of each connection string. */
const POOLS_KEY = "__supabaseAnalyticsPostgresPools";
/** The server ended the session while it was idle (e.g. pg_terminate_backend, drop database with force). */
const SESSION_TERMINATED = ["57P01", "57P02", "57P03"];

export const SUPPORTED_SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SUPPORTED_SSL_MODES)[number];

/** node-postgres's words when a server answers the TLS request with "no". */
const SERVER_WITHOUT_TLS = "The server does not support SSL connections";

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
  if (url.searchParams.has("ssl")) throw providerError("connection: use sslmode=... instead of ssl=... (libpq's parameter)");
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

interface DatabasePool {
  pool: Pool;
  /** Sessions that served an operation already: reset before the next one. */
  used: WeakSet<PoolClient>;
}

type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/** Per process: the MAX_SESSIONS limit of each connection string (it outlives a pool replaced by the sslmode=prefer fallback). */
const LIMITS_KEY = "__supabaseAnalyticsPostgresSessionLimits";

/**
 * Runs operations on one connection string at most MAX_SESSIONS at a time, the others waiting
 * in order (p-limit). The wait is outside pg.Pool: a wait in the pool's own queue would count
 * against the connect timeout, while a migration may hold the migration lock for minutes.
 */
function sessionLimit(connection: string): Limit {
  const store = globalThis as unknown as Record<string, Map<string, Limit> | undefined>;
  const limits = (store[LIMITS_KEY] ??= new Map<string, Limit>());
  let limit = limits.get(connection);
  if (limit === undefined) {
    const pLimit = require("p-limit") as (concurrency: number) => Limit;
    limit = pLimit(MAX_SESSIONS);
    limits.set(connection, limit);
  }
  return limit;
}

function pools(): Map<string, DatabasePool> {
  const store = globalThis as unknown as Record<string, Map<string, DatabasePool> | undefined>;
  store[POOLS_KEY] ??= new Map<string, DatabasePool>();
  return store[POOLS_KEY] as Map<string, DatabasePool>;
}

function createPool(config: ClientConfig): DatabasePool {
  const { Pool: PgPool } = require("pg") as typeof import("pg");
  const pool = new PgPool({
    ...config,
    max: MAX_SESSIONS,
    idleTimeoutMillis: IDLE_SESSION_MS,
    allowExitOnIdle: true,
    onConnect: async (client) => {
      // A session whose server goes away emits 'error' even while an operation uses it (the
      // pool listens only while it is idle); the running query fails with the same error, and
      // without a listener the event would end the process.
      client.on("error", () => undefined);
      await client.query(SESSION_SETTINGS_SQL);
    },
  });
  // An idle session whose server goes away is dropped by the pool, which then emits 'error';
  // the next operation opens another session, so there is nothing to report.
  pool.on("error", () => undefined);
  return { pool, used: new WeakSet<PoolClient>() };
}

function poolFor(connection: string, config: ClientConfig): DatabasePool {
  const known = pools().get(connection);
  if (known) return known;
  const created = createPool(config);
  pools().set(connection, created);
  return created;
}

interface Session {
  database: DatabasePool;
  client: PoolClient;
}

/**
 * The one place a session is opened: a pooled session, connected as libpq would for the URL's
 * sslmode (prefer: TLS first; a server without TLS gets a plain pool from then on).
 */
async function connect(connection: string, parsed: ParsedConnection): Promise<Session> {
  const database = poolFor(connection, parsed.config);
  try {
    return { database, client: await database.pool.connect() };
  } catch (error) {
    if (parsed.sslMode !== "prefer" || !isErrorLike(error) || error.message !== SERVER_WITHOUT_TLS) throw error;
    const plain = createPool({ ...parsed.config, ssl: false });
    pools().set(connection, plain);
    // The TLS pool has no session: nothing is cut short.
    database.pool.end().then(undefined, () => undefined);
    return { database: plain, client: await plain.pool.connect() };
  }
}

/** True when a reused session turned out to be dead: ended by the server, or its socket gone. */
function isDeadSession(error: unknown): boolean {
  const pgError = asPgError(error);
  if (pgError) return SESSION_TERMINATED.includes(pgError.code ?? "");
  return isErrorLike(error) && /Connection terminated|not queryable|ECONNRESET|EPIPE/.test(error.message);
}

/** A session with the deploy settings: a new one, or a reused one reset first (a dead one is replaced). */
async function openSession(connection: string, parsed: ParsedConnection): Promise<Session> {
  for (;;) {
    const session = await connectWithRetry(parsed.config, () => connect(connection, parsed));
    if (!session.database.used.has(session.client)) return session;
    try {
      await session.client.query(RESET_SESSION_SQL);
      return session;
    } catch (error) {
      session.client.release(true);
      if (!isDeadSession(error)) throw error;
    }
  }
}

/**
 * Any error from an operation, as an error that names the operation and carries no secret.
 * Provider errors pass through (redacted once more, in case a statement echoed a URL).
 */
export function operationError(operation: string, error: unknown, connection: string): ProviderError {
  if (isProviderError(error)) return providerError(redactSecrets(error.message, connection), error.code);
  const pgError = asPgError(error);
  if (pgError) return providerError(redactSecrets(`${operation}: ${describePgError(pgError)}`, connection), pgError.code);
  const message = isErrorLike(error) ? error.message : String(error);
  return providerError(redactSecrets(`${operation}: ${message}`, connection));
}

/** An error from before the operation could start: the URL, the network, admission or authentication. */
function connectError(operation: string, error: unknown, connection: string): ProviderError {
  const wrapped = operationError(operation, error, connection);
  wrapped.connectFailed = true;
  return wrapped;
}

/**
 * Runs fn with a session on the database: application_name and the deploy timeouts set. A
 * session fn completed with goes back to the pool for the next operation; one it failed with
 * is destroyed. Every error that leaves is redacted and names the operation.
 */
export async function withDatabase<T>(connection: string, operation: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return sessionLimit(connection)(() => runWithSession(connection, operation, fn));
}

async function runWithSession<T>(connection: string, operation: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  let parsed: ParsedConnection;
  try {
    parsed = parseConnection(connection);
  } catch (error) {
    throw connectError(operation, error, connection);
  }
  const where = `${operation} on ${parsed.target}`;
  let session: Session;
  try {
    session = await openSession(connection, parsed);
  } catch (error) {
    throw connectError(where, error, connection);
  }
  try {
    const result = await fn(session.client);
    session.database.used.add(session.client);
    session.client.release();
    return result;
  } catch (error) {
    session.client.release(true);
    throw operationError(where, error, connection);
  }
}
