// sslmode as libpq means it, against real servers: the test cluster (no TLS) and a second
// throwaway cluster with TLS whose certificate is signed by a private CA, as Supabase's
// pooler certificate is signed by Supabase's own CA.
import {
  APPLICATION_NAME,
  CONNECT_TIMEOUT_MS,
  LOCK_TIMEOUT,
  parseConnection,
  STATEMENT_TIMEOUT,
  withDatabase,
} from "../../infra/postgres/connection";
import { deployerUrl } from "../support/db";
import { rejectionOf } from "./support";
import { startTlsServer, TlsServer, withParams } from "./tlsServer";

interface SessionFacts {
  ssl: boolean;
  application_name: string;
  lock_timeout: string;
  statement_timeout: string;
}

async function sessionFacts(url: string): Promise<SessionFacts> {
  return withDatabase(url, "probe", async (client) => {
    const { rows } = await client.query<SessionFacts>(
      `select coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) as ssl,
              current_setting('application_name') as application_name,
              current_setting('lock_timeout') as lock_timeout,
              current_setting('statement_timeout') as statement_timeout`,
    );
    return rows[0];
  });
}

describe("connection settings", () => {
  it("parses a URL with an encoded password and sets application_name and the connect timeout", () => {
    const { config, sslMode, target } = parseConnection("postgresql://deployer:p%40ss%2Fw%3Ard@db.example.com:5432/postgres?sslmode=require");
    expect(config).toMatchObject({
      user: "deployer",
      password: "p@ss/w:rd",
      host: "db.example.com",
      port: 5432,
      database: "postgres",
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ssl: { rejectUnauthorized: false },
    });
    expect(sslMode).toBe("require");
    expect(target).toBe("db.example.com:5432/postgres");
    expect(parseConnection("postgresql://u:p@h/d?application_name=mine").config.application_name).toBe("mine");
  });

  it.each([
    ["", "prefer", { rejectUnauthorized: false }],
    ["?sslmode=disable", "disable", false],
    ["?sslmode=prefer", "prefer", { rejectUnauthorized: false }],
    ["?sslmode=require", "require", { rejectUnauthorized: false }],
    ["?sslmode=verify-full", "verify-full", {}],
  ])("maps %j to libpq's meaning", (query, mode, ssl) => {
    const { config, sslMode } = parseConnection(`postgresql://u:p@db.example.com/postgres${query}`);
    expect(sslMode).toBe(mode);
    expect(config.ssl).toEqual(ssl);
  });

  it("sets the deploy timeouts and application_name on every session", async () => {
    expect(await sessionFacts(deployerUrl())).toEqual({ ssl: false, application_name: APPLICATION_NAME, lock_timeout: LOCK_TIMEOUT, statement_timeout: "1min" });
    expect(STATEMENT_TIMEOUT).toBe("60s");
  });

  it("falls back to a plain connection for the default sslmode (prefer) when the server has no TLS, and refuses it for require", async () => {
    expect((await sessionFacts(deployerUrl())).ssl).toBe(false);
    expect((await sessionFacts(withParams(deployerUrl(), { sslmode: "prefer" }))).ssl).toBe(false);
    const error = await rejectionOf(sessionFacts(withParams(deployerUrl(), { sslmode: "require" })));
    expect(error.message).toContain("The server does not support SSL connections");
  });
});

describe("TLS against a server with a private CA", () => {
  let server: TlsServer;

  beforeAll(async () => {
    server = await startTlsServer();
  }, 120_000);

  afterAll(() => {
    server?.stop();
  });

  const at = (host: string, params: Record<string, string>) => server.at(host, params);

  it("sslmode=require encrypts without verifying the certificate (libpq, not node-postgres's verify-full)", async () => {
    expect((await sessionFacts(at("127.0.0.1", { sslmode: "require" }))).ssl).toBe(true);
  });

  it("the default (prefer) uses TLS when the server offers it; disable does not", async () => {
    expect((await sessionFacts(at("127.0.0.1", {}))).ssl).toBe(true);
    expect((await sessionFacts(at("127.0.0.1", { sslmode: "disable" }))).ssl).toBe(false);
  });

  it("verify-full checks the certificate against sslrootcert and the host name", async () => {
    const ca = server.ca;
    expect((await sessionFacts(at("localhost", { sslmode: "verify-full", sslrootcert: ca }))).ssl).toBe(true);
    const wrongName = await rejectionOf(sessionFacts(at("127.0.0.1", { sslmode: "verify-full", sslrootcert: ca })));
    expect(wrongName.message).toMatch(/does not match certificate's altnames/);
    const unknownCa = await rejectionOf(sessionFacts(at("localhost", { sslmode: "verify-full" })));
    expect(unknownCa.message).toMatch(/unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer certificate/);
  });

  it("verify-ca (and require with sslrootcert) check the certificate but not the host name", async () => {
    const ca = server.ca;
    expect((await sessionFacts(at("127.0.0.1", { sslmode: "verify-ca", sslrootcert: ca }))).ssl).toBe(true);
    expect((await sessionFacts(at("127.0.0.1", { sslmode: "require", sslrootcert: ca }))).ssl).toBe(true);
    const other = server.otherCa;
    await rejectionOf(sessionFacts(at("127.0.0.1", { sslmode: "require", sslrootcert: other })));
  });
});
