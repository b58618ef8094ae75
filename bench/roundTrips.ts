// Counts SQL round trips and connections made through `pg` in this process, by wrapping
// pg.Client.prototype.query and .connect. The providers require("pg") inside their methods,
// which resolves to this same module, so every query they send is seen (pg.Pool also goes
// through Client.prototype.query). One query() call is one round trip: a simple-protocol
// string with several statements, or an extended-protocol parse/bind/execute/sync, is sent
// in one go and answered once.
import { Client } from "pg";

export interface RoundTripCounts {
  queries: number;
  connections: number;
}

export interface RoundTripCounter {
  /** Counts since the counter was installed or last reset. */
  read(): RoundTripCounts;
  reset(): void;
  /** Restores the original methods. */
  uninstall(): void;
}

type AnyFunction = (...args: unknown[]) => unknown;

export function installRoundTripCounter(clientClass: typeof Client = Client): RoundTripCounter {
  const prototype = clientClass.prototype as unknown as Record<"query" | "connect", AnyFunction>;
  const originalQuery = prototype.query;
  const originalConnect = prototype.connect;
  const counts: RoundTripCounts = { queries: 0, connections: 0 };
  prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
    counts.queries += 1;
    return originalQuery.apply(this, args);
  };
  prototype.connect = function countedConnect(this: unknown, ...args: unknown[]) {
    counts.connections += 1;
    return originalConnect.apply(this, args);
  };
  return {
    read: () => ({ ...counts }),
    reset() {
      counts.queries = 0;
      counts.connections = 0;
    },
    uninstall() {
      prototype.query = originalQuery;
      prototype.connect = originalConnect;
    },
  };
}

/** Runs fn and returns the round trips it made (the counter must be installed). */
export async function countRoundTrips<T>(counter: RoundTripCounter, fn: () => Promise<T>): Promise<RoundTripCounts & { result: T }> {
  const before = counter.read();
  const result = await fn();
  const after = counter.read();
  return { queries: after.queries - before.queries, connections: after.connections - before.connections, result };
}
