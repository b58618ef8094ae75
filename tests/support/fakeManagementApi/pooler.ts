// A fake Supavisor session pooler: a real TCP server in front of a real PostgreSQL server.
//
// Like Supavisor it takes the tenant user `<user>.<ref>`, strips the ref and logs in upstream
// as `<user>`; a user without the project's ref is "Tenant or user not found". Like a pooler
// just after provisioning it can refuse the first logins, with Supavisor's FATAL "Tenant or
// user not found" or with an authentication failure (28P01), and it can start not listening
// (connection refused) until listen() is called. It speaks just enough of the protocol for
// that: SSLRequest (answered "N"), the startup message, and ErrorResponse; after the startup
// message bytes are passed through untouched (authentication included).
import * as net from "node:net";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

export type LoginRefusal = "tenant not found" | "authentication failed";

export interface FakePoolerOptions {
  /** How many logins to refuse before passing them through (default 0). */
  refuseLogins?: number;
  refusal?: LoginRefusal;
  /** Start without listening: connections are refused until listen(). */
  listening?: boolean;
}

export interface FakePooler {
  host: string;
  port: number;
  /** Logins refused so far, and logins passed upstream. */
  refused: number;
  passed: number;
  /** The pooler URL for the project's tenant user (sslmode=disable: no TLS here). */
  url(password: string, database?: string): string;
  listen(): Promise<void>;
  close(): Promise<void>;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ["S", "FATAL"],
      ["V", "FATAL"],
      ["C", code],
      ["M", message],
    ].map(([type, value]) => Buffer.concat([Buffer.from(type), Buffer.from(`${value}\0`)])),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function parseStartup(packet: Buffer): Map<string, string> {
  const parts = packet.subarray(8).toString("utf8").split("\0");
  const params = new Map<string, string>();
  for (let index = 0; index + 1 < parts.length && parts[index] !== ""; index += 2) params.set(parts[index], parts[index + 1]);
  return params;
}

function startupPacket(params: Map<string, string>): Buffer {
  const body = Buffer.from([...params].map(([key, value]) => `${key}\0${value}\0`).join("") + "\0");
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([header, body]);
}

/** Reads length-prefixed packets from the client until the startup message, then hands over. */
class Session {
  private buffered = Buffer.alloc(0);

  constructor(
    private readonly client: net.Socket,
    private readonly onStartup: (params: Map<string, string>, rest: Buffer) => void,
  ) {
    client.on("data", this.onData);
    client.on("error", () => client.destroy());
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readInt32BE(0);
      if (this.buffered.length < length) return;
      const packet = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const code = packet.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.client.write("N");
        continue;
      }
      this.client.off("data", this.onData);
      this.onStartup(parseStartup(packet), this.buffered);
      return;
    }
  };
}

export async function startFakePooler(ref: string, upstream: { host: string; port: number }, options: FakePoolerOptions = {}): Promise<FakePooler> {
  let toRefuse = options.refuseLogins ?? 0;
  const refusal = options.refusal ?? "tenant not found";
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };

  const pooler: FakePooler = {
    host: "127.0.0.1",
    port: 0,
    refused: 0,
    passed: 0,
    url: (password, database = "postgres") =>
      `postgresql://${encodeURIComponent(`postgres.${ref}`)}:${encodeURIComponent(password)}@127.0.0.1:${pooler.port}/${database}?sslmode=disable`,
    listen: () => new Promise<void>((resolve) => server.listen(pooler.port, "127.0.0.1", resolve)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const refuse = (client: net.Socket, user: string) => {
    pooler.refused += 1;
    const packet =
      refusal === "authentication failed"
        ? errorResponse("28P01", `password authentication failed for user "${user}"`)
        : errorResponse("XX000", "Tenant or user not found");
    client.end(packet);
  };

  const server = net.createServer((client) => {
    track(client);
    new Session(client, (params, rest) => {
      const tenantUser = params.get("user") ?? "";
      const suffix = `.${ref}`;
      if (!tenantUser.endsWith(suffix)) return refuse(client, tenantUser);
      if (toRefuse > 0) {
        toRefuse -= 1;
        return refuse(client, tenantUser);
      }
      pooler.passed += 1;
      params.set("user", tenantUser.slice(0, -suffix.length));
      const server = net.connect(upstream.port, upstream.host, () => {
        server.write(startupPacket(params));
        if (rest.length > 0) server.write(rest);
        client.pipe(server);
        server.pipe(client);
      });
      track(server);
      server.on("error", () => client.destroy());
      client.on("close", () => server.destroy());
    });
  });

  // Reserve a port: listen once to get one; close it again when the pooler starts refusing connections.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  pooler.port = (server.address() as net.AddressInfo).port;
  if (options.listening === false) await new Promise<void>((resolve) => server.close(() => resolve()));
  return pooler;
}
