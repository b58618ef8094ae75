// A throwaway cluster with TLS whose certificate is signed by a private CA, as Supabase's
// pooler certificate is signed by Supabase's own CA: the server certificate names DNS
// `localhost` only (not 127.0.0.1). Used by the sslmode tests of the connection code and of
// `npm run plan`.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterState, startCluster, stopCluster } from "../support/cluster";
import { withClient } from "../support/db";

export interface TlsServer {
  /** The URL to connect with: host 127.0.0.1, no sslmode. */
  url: string;
  /** The CA that signed the server certificate. */
  ca: string;
  /** A CA that did not. */
  otherCa: string;
  /** The URL with another host name and these query parameters. */
  at(host: string, params: Record<string, string>): string;
  /** Refuses every connection without TLS from now on (pg_hba hostnossl reject). */
  requireTls(): Promise<void>;
  stop(): void;
}

export function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

function makeCertificates(certs: string): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: certs, stdio: ["ignore", "ignore", "pipe"] });
  const ca = (name: string, subject: string) =>
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2",
      "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  ca("ca", "/CN=Test Private Root CA");
  ca("other-ca", "/CN=Some Other CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  fs.writeFileSync(path.join(certs, "server.ext"), "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
  fs.chmodSync(path.join(certs, "server.key"), 0o600);
  if (process.getuid?.() === 0) {
    // The server runs as `postgres` when the tests run as root; it must own its key.
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    for (const file of fs.readdirSync(certs)) fs.chownSync(path.join(certs, file), uid, gid);
  }
}

export async function startTlsServer(): Promise<TlsServer> {
  const cluster: ClusterState = await startCluster();
  const certs = path.join(cluster.clusterDir as string, "certs");
  fs.mkdirSync(certs);
  fs.chmodSync(certs, 0o755);
  makeCertificates(certs);
  await withClient(cluster.adminUrl, async (client) => {
    await client.query(`alter system set ssl_cert_file = '${path.join(certs, "server.pem")}'`);
    await client.query(`alter system set ssl_key_file = '${path.join(certs, "server.key")}'`);
    await client.query("alter system set ssl = on");
    await client.query("select pg_reload_conf()");
  });
  // Configuring the server (TLS, pg_hba) is the cluster owner's; `url` is what the tests connect with.
  const url = cluster.deployerUrl;
  return {
    url,
    ca: path.join(certs, "ca.pem"),
    otherCa: path.join(certs, "other-ca.pem"),
    at(host, params) {
      const parsed = new URL(withParams(url, params));
      parsed.hostname = host;
      return parsed.toString();
    },
    async requireTls() {
      await withClient(cluster.adminUrl, async (client) => {
        const { rows } = await client.query<{ hba_file: string }>("show hba_file");
        const hba = rows[0].hba_file;
        fs.writeFileSync(hba, `hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n${fs.readFileSync(hba, "utf8")}`);
        await client.query("select pg_reload_conf()");
      });
    },
    stop: () => stopCluster(cluster),
  };
}
