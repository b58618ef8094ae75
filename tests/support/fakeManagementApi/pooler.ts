// The session pooler stand-in: a real TCP server in front of a real PostgreSQL server, at least
// as strict as Supavisor in session mode (github.com/supabase/supavisor, commit 03e5cc5):
//
// - TLS when the client asks for it (SSLRequest answered "S"; GSSENCRequest "N").
// - The tenant comes from the user name, `<user>.<ref>`; an unknown ref is refused with FATAL
//   XX000 "Tenant or user not found".
// - Clients are limited to the pool size: once `poolSize` clients of a tenant (ref, user,
//   database) are connected, the next one is refused before authentication with FATAL XX000
//   "(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to
//   pool_size: 15". That is Supavisor.Manager.check_client_limit (lib/supavisor/manager.ex,
//   check_limit(:session, pool_size, ...) when current_count >= pool_size), called by the
//   ClientHandler before authentication (lib/supavisor/client_handler.ex) and again when the
//   client subscribes; the text is MaxConnectionsError (lib/supavisor/errors/
//   max_connections_error.ex), sent as XX000 (postgres_error in lib/supavisor/error.ex).
//   Supavisor's default pool size is 15 (default_pool_size, lib/supavisor/tenants/tenant.ex),
//   the smallest compute's.
// - The password is checked against the project's current database password (28P01
//   otherwise); the pooler then logs in to the database itself (SCRAM, node-postgres's own
//   SASL code) as the user of `databaseUrl`, to the client's database, and relays the session.
//
// Scripted like a just-provisioned project's pooler: the first logins can be refused ("Tenant
// or user not found" or 28P01), and it can start not listening (connection refused) until
// listen(). routeEnvironment() makes a process reach it under the real pooler host name.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";

const sasl = require("pg/lib/crypto/sasl") as {
  startSession(mechanisms: string[]): { mechanism: string; response: string };
  continueSession(session: object, password: string, data: string): Promise<void>;
  finalizeSession(session: object, data: string): void;
};

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
/** Supavisor's session mode port on the pooler host. */
const SUPAVISOR_PORT = 5432;
/** Supavisor's default_pool_size: the smallest compute's pool. */
export const SUPAVISOR_DEFAULT_POOL_SIZE = 15;
const TENANT_USER = /^(.+)\.([a-z]{20})$/;

export type LoginRefusal = "tenant not found" | "authentication failed";

export interface SessionPoolerOptions {
  /** The database behind the pooler, as the user the pooler logs in as (URL with password). */
  databaseUrl: string;
  /** The project's current database password, or undefined for an unknown ref. */
  passwordFor(ref: string): string | undefined;
  /** Clients per tenant at once (Supavisor's pool_size); default 15. */
  poolSize?: number;
  /** How many logins to refuse before letting them in (default 0). */
  refuseLogins?: number;
  refusal?: LoginRefusal;
  /** Start without listening: connections are refused until listen(). */
  listening?: boolean;
}

/** Reads whole protocol messages from a socket. */
class Reader {
  private buffer = Buffer.alloc(0);
  private waiting?: () => void;
  private ended = false;

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  async bytes(count: number): Promise<Buffer> {
    while (this.buffer.length < count) {
      if (this.ended) throw new Error("connection closed");
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const taken = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return taken;
  }

  /** A typed message: its code and body. */
  async message(): Promise<{ code: string; body: Buffer; raw: Buffer }> {
    const header = await this.bytes(5);
    const body = await this.bytes(header.readInt32BE(1) - 4);
    return { code: header.toString("latin1", 0, 1), body, raw: Buffer.concat([header, body]) };
  }

  /** Puts bytes back in front of what is buffered. */
  unshift(bytes: Buffer): void {
    this.buffer = Buffer.concat([bytes, this.buffer]);
  }

  /** Stops reading: what is buffered, then the socket itself, goes to `target`. */
  relayTo(target: net.Socket): void {
    this.socket.removeAllListeners("data");
    if (this.buffer.length > 0) target.write(this.buffer);
    this.socket.pipe(target);
  }
}

function typed(code: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(code, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function errorResponse(sqlstate: string, text: string): Buffer {
  const fields = [`SFATAL`, `VFATAL`, `C${sqlstate}`, `M${text}`].map((field) => Buffer.from(`${field}\0`, "utf8"));
  return typed("E", Buffer.concat([...fields, Buffer.from([0])]));
}

function startupMessage(params: Record<string, string>): Buffer {
  const pairs = Object.entries(params).flatMap(([key, value]) => [key, value]);
  const body = Buffer.concat([int32(PROTOCOL_3), ...pairs.map((text) => Buffer.from(`${text}\0`, "utf8")), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

function parseStartup(body: Buffer): Record<string, string> {
  const parts = body.subarray(4).toString("utf8").split("\0");
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ""; i += 2) params[parts[i]] = parts[i + 1];
  return params;
}

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pooler-tls-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pooler.supabase.com", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`], { stdio: "ignore" });
    return { key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Supavisor's refusal of a client beyond the pool size (MaxConnectionsError, session mode). */
export function maxClientsMessage(poolSize: number): string {
  return `(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to pool_size: ${poolSize}`;
}

export class SessionPooler {
  /** Logins refused, as "<ref or user>: reason". */
  readonly refusals: string[] = [];
  /** Logins handed to the database. */
  passed = 0;
  /** The most clients of one tenant connected at once. */
  peakClients = 0;
  readonly poolSize: number;
  private readonly server: net.Server;
  private tlsOptions?: { key: Buffer; cert: Buffer };
  private routeDir?: string;
  private readonly sockets = new Set<net.Socket>();
  /** Connected clients per tenant (ref, user, database). */
  private readonly clients = new Map<string, number>();
  private toRefuse: number;
  private reservedPort = 0;

  private constructor(private readonly options: SessionPoolerOptions) {
    this.poolSize = options.poolSize ?? SUPAVISOR_DEFAULT_POOL_SIZE;
    this.toRefuse = options.refuseLogins ?? 0;
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      this.serve(socket).catch(() => socket.destroy());
    });
  }

  static async start(options: SessionPoolerOptions): Promise<SessionPooler> {
    const pooler = new SessionPooler(options);
    await new Promise<void>((resolve) => pooler.server.listen(0, "127.0.0.1", resolve));
    pooler.reservedPort = (pooler.server.address() as net.AddressInfo).port;
    // The port stays reserved for listen(); until then connections are refused.
    if (options.listening === false) await new Promise<void>((resolve) => pooler.server.close(() => resolve()));
    return pooler;
  }

  get port(): number {
    return this.reservedPort;
  }

  /** Logins refused so far. */
  get refused(): number {
    return this.refusals.length;
  }

  listen(): Promise<void> {
    return new Promise<void>((resolve) => this.server.listen(this.reservedPort, "127.0.0.1", resolve));
  }

  /** The pooler URL of a project's tenant user, plain (sslmode=disable), for tests that connect directly. */
  url(ref: string, password: string, database = "postgres"): string {
    return `postgresql://${encodeURIComponent(`postgres.${ref}`)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${database}?sslmode=disable`;
  }

  private async serve(raw: net.Socket): Promise<void> {
    let reader = new Reader(raw);
    let socket: net.Socket = raw;
    let length = (await reader.bytes(4)).readInt32BE(0);
    let body = await reader.bytes(length - 4);
    if (body.readInt32BE(0) === GSSENC_REQUEST) {
      raw.write("N");
      length = (await reader.bytes(4)).readInt32BE(0);
      body = await reader.bytes(length - 4);
    }
    if (body.readInt32BE(0) === SSL_REQUEST) {
      raw.removeAllListeners("data");
      raw.write("S");
      this.tlsOptions ??= selfSignedCertificate();
      socket = new tls.TLSSocket(raw, { isServer: true, ...this.tlsOptions });
      socket.on("error", () => raw.destroy());
      reader = new Reader(socket);
      length = (await reader.bytes(4)).readInt32BE(0);
      body = await reader.bytes(length - 4);
    }
    const params = parseStartup(body);
    const [, user, ref] = TENANT_USER.exec(params.user ?? "") ?? [];
    const expected = ref ? this.options.passwordFor(ref) : undefined;
    if (!ref || expected === undefined) return this.refuse(socket, `${params.user}: unknown tenant`, "XX000", "Tenant or user not found");
    if (this.toRefuse > 0) {
      this.toRefuse -= 1;
      return this.options.refusal === "authentication failed"
        ? this.refuse(socket, `${ref}: scripted`, "28P01", `password authentication failed for user "${user}"`)
        : this.refuse(socket, `${ref}: scripted`, "XX000", "Tenant or user not found");
    }
    const tenant = `${ref}/${user}/${params.database ?? user}`;
    // Before authentication, as Supavisor's ClientHandler calls check_client_limit.
    if (this.atLimit(tenant)) return this.refuse(socket, `${ref}: pool full`, "XX000", maxClientsMessage(this.poolSize));
    socket.write(typed("R", int32(3)));
    const password = await reader.message();
    if (password.code !== "p" || password.body.toString("utf8").replace(/\0$/, "") !== expected) {
      return this.refuse(socket, `${ref}: wrong password`, "28P01", `password authentication failed for user "${user}"`);
    }
    // Again when the client subscribes to the pool (Manager handle_call :subscribe).
    if (this.atLimit(tenant)) return this.refuse(socket, `${ref}: pool full`, "XX000", maxClientsMessage(this.poolSize));
    this.track(tenant, socket);
    this.passed += 1;
    const backend = await this.login(params, socket);
    if (!backend) return;
    backend.reader.relayTo(socket);
    reader.relayTo(backend.socket);
    socket.on("close", () => backend.socket.destroy());
    backend.socket.on("close", () => socket.destroy());
  }

  private atLimit(tenant: string): boolean {
    return (this.clients.get(tenant) ?? 0) >= this.poolSize;
  }

  /** Counts the client as connected until its socket closes. */
  private track(tenant: string, socket: net.Socket): void {
    const count = (this.clients.get(tenant) ?? 0) + 1;
    this.clients.set(tenant, count);
    this.peakClients = Math.max(this.peakClients, count);
    socket.once("close", () => this.clients.set(tenant, (this.clients.get(tenant) ?? 1) - 1));
  }

  private refuse(socket: net.Socket, reason: string, sqlstate: string, text: string): void {
    this.refusals.push(reason);
    socket.end(errorResponse(sqlstate, text));
  }

  /**
   * Logs in to the client's database as the pooler's own user; returns once AuthenticationOk
   * was passed on. An error from the database (e.g. no such database) goes to the client.
   */
  private async login(client: Record<string, string>, clientSocket: net.Socket): Promise<{ socket: net.Socket; reader: Reader } | undefined> {
    const url = new URL(this.options.databaseUrl);
    const socket = net.connect(Number(url.port || 5432), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const reader = new Reader(socket);
    const { user: _user, database, ...rest } = client;
    socket.write(startupMessage({ ...rest, user: decodeURIComponent(url.username), database: database ?? decodeURIComponent(url.pathname.slice(1)) }));
    let session: { mechanism: string; response: string } | undefined;
    for (;;) {
      const message = await reader.message();
      if (message.code === "E") {
        clientSocket.end(message.raw);
        socket.destroy();
        return undefined;
      }
      if (message.code !== "R") throw new Error(`pooler: the database answered ${message.code} during login`);
      const kind = message.body.readInt32BE(0);
      if (kind === 0) {
        // AuthenticationOk and everything after it belong to the client's session.
        reader.unshift(message.raw);
        return { socket, reader };
      }
      if (kind === 10) {
        const mechanisms = message.body.subarray(4).toString("utf8").split("\0").filter(Boolean);
        session = sasl.startSession(mechanisms);
        const initial = Buffer.from(session.response, "utf8");
        socket.write(typed("p", Buffer.concat([Buffer.from(`${session.mechanism}\0`, "utf8"), int32(initial.length), initial])));
      } else if (kind === 11 && session) {
        await sasl.continueSession(session, decodeURIComponent(url.password), message.body.subarray(4).toString("utf8"));
        socket.write(typed("p", Buffer.from(session.response, "utf8")));
      } else if (kind === 12 && session) {
        sasl.finalizeSession(session, message.body.subarray(4).toString("utf8"));
      } else {
        throw new Error(`pooler: unsupported authentication request ${kind}`);
      }
    }
  }

  /**
   * Environment for a process that must reach this pooler under `host`: a preload routes
   * host:5432 to it (NODE_OPTIONS), as a hosts-file entry and port forward would.
   */
  routeEnvironment(hosts: RegExp): Record<string, string> {
    this.routeDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "pooler-route-"));
    const module = path.join(this.routeDir, "route.js");
    fs.writeFileSync(
      module,
      [
        "// Routes the Supabase pooler host to the local session pooler (a hosts-file entry).",
        'const net = require("node:net");',
        `const hosts = new RegExp(${JSON.stringify(hosts.source)});`,
        "const connect = net.Socket.prototype.connect;",
        "net.Socket.prototype.connect = function (...args) {",
        "  const [first, second] = args;",
        `  if (typeof first === "number" && first === ${SUPAVISOR_PORT} && typeof second === "string" && hosts.test(second)) return connect.call(this, ${this.port}, "127.0.0.1", ...args.slice(2));`,
        `  if (first && typeof first === "object" && !Array.isArray(first) && Number(first.port) === ${SUPAVISOR_PORT} && hosts.test(String(first.host))) return connect.call(this, { ...first, host: "127.0.0.1", port: ${this.port} }, ...args.slice(1));`,
        "  return connect.apply(this, args);",
        "};",
        "",
      ].join("\n"),
    );
    return { NODE_OPTIONS: `--require ${module}` };
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.routeDir) fs.rmSync(this.routeDir, { recursive: true, force: true });
  }
}
