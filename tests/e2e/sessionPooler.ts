// A session pooler in front of the local cluster, for the supabase target end to end: what the
// fake Management API's pooler URL (postgres.<ref>@aws-0-<region>.pooler.supabase.com:5432,
// sslmode=require) reaches. Like Supavisor it terminates TLS, takes the tenant from the user
// name (postgres.<ref>), answers "Tenant or user not found" for an unknown ref, checks the
// project's current database password, then logs in to the database as `postgres` itself
// (SCRAM, with node-postgres's own SASL code) and relays the session.
//
// The pooler host name reaches it through a preload in the plugin process (`routeModule`) that
// routes that host's port 5432 to this server, as a hosts-file entry would.
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
const SUPAVISOR_PORT = 5432;

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

export interface PoolerOptions {
  /** The project's current database password, or undefined for an unknown ref. */
  passwordFor(ref: string): string | undefined;
  /** The database the pooler logs in to, as its `postgres` user (URL with password). */
  databaseUrl: string;
}

export class SessionPooler {
  /** Logins refused, as "ref: reason" (for the test's own checks). */
  readonly refused: string[] = [];
  private readonly server: net.Server;
  private readonly tlsOptions = selfSignedCertificate();
  private routeDir?: string;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly options: PoolerOptions) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      this.serve(socket).catch(() => socket.destroy());
    });
  }

  static async start(options: PoolerOptions): Promise<SessionPooler> {
    const pooler = new SessionPooler(options);
    await new Promise<void>((resolve) => pooler.server.listen(0, "127.0.0.1", resolve));
    return pooler;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
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
      socket = new tls.TLSSocket(raw, { isServer: true, ...this.tlsOptions });
      reader = new Reader(socket);
      length = (await reader.bytes(4)).readInt32BE(0);
      body = await reader.bytes(length - 4);
    }
    const params = parseStartup(body);
    const ref = /^postgres\.([a-z]{20})$/.exec(params.user ?? "")?.[1];
    const expected = ref ? this.options.passwordFor(ref) : undefined;
    if (!ref || expected === undefined) return this.refuse(socket, `${params.user}: unknown tenant`, "XX000", "Tenant or user not found");
    socket.write(typed("R", int32(3)));
    const password = await reader.message();
    if (password.code !== "p" || password.body.toString("utf8").replace(/\0$/, "") !== expected) {
      return this.refuse(socket, `${ref}: wrong password`, "28P01", `password authentication failed for user "postgres"`);
    }
    const backend = await this.login(params);
    backend.reader.relayTo(socket);
    reader.relayTo(backend.socket);
    socket.on("close", () => backend.socket.destroy());
    backend.socket.on("close", () => socket.destroy());
  }

  private refuse(socket: net.Socket, reason: string, sqlstate: string, text: string): void {
    this.refused.push(reason);
    socket.end(errorResponse(sqlstate, text));
  }

  /** Logs in to the database as `postgres`; returns once AuthenticationOk was passed on. */
  private async login(client: Record<string, string>): Promise<{ socket: net.Socket; reader: Reader }> {
    const url = new URL(this.options.databaseUrl);
    const socket = net.connect(Number(url.port || 5432), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const reader = new Reader(socket);
    const { user: _user, database: _database, ...rest } = client;
    socket.write(startupMessage({ ...rest, user: decodeURIComponent(url.username), database: decodeURIComponent(url.pathname.slice(1)) }));
    let session: { mechanism: string; response: string } | undefined;
    for (;;) {
      const message = await reader.message();
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
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.routeDir) fs.rmSync(this.routeDir, { recursive: true, force: true });
  }
}
