// The round-trip counter the drift and deploy measurements rely on, against a real server:
// it sees queries and connections of clients created anywhere in the process, including code
// that requires `pg` itself, and restores pg.Client when uninstalled.
import { Client } from "pg";
import { countRoundTrips, installRoundTripCounter } from "../../bench/roundTrips";
import { computeQuery, floorQuery, roundOrder } from "../../bench/refreshBench";
import { adminUrl } from "../support/db";

describe("installRoundTripCounter", () => {
  it("counts every query() call and connection, and stops counting once uninstalled", async () => {
    const counter = installRoundTripCounter();
    try {
      const counted = await countRoundTrips(counter, async () => {
        // As the providers do: require pg inside the function.
        const { Client: RequiredClient } = require("pg") as typeof import("pg");
        const client = new RequiredClient({ connectionString: adminUrl() });
        await client.connect();
        try {
          await client.query("select 1; select 2"); // one simple-protocol round trip
          await client.query("select $1::int as n", [3]); // one extended-protocol round trip
          await client.query("select 4");
        } finally {
          await client.end();
        }
        return "done";
      });
      expect(counted).toEqual({ queries: 3, connections: 1, result: "done" });
      expect(counter.read()).toEqual({ queries: 3, connections: 1 });
      counter.reset();
      expect(counter.read()).toEqual({ queries: 0, connections: 0 });
    } finally {
      counter.uninstall();
    }
    const client = new Client({ connectionString: adminUrl() });
    await client.connect();
    await client.query("select 1");
    await client.end();
    expect(counter.read()).toEqual({ queries: 0, connections: 0 });
  });
});

describe("refresh measurement helpers", () => {
  it("rotates the order of the methods so that each leads equally often", () => {
    const leaders = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => roundOrder(i)[0]);
    expect(leaders).toEqual(["concurrent", "plain", "floor", "compute", "concurrent", "plain", "floor", "compute"]);
    for (let i = 0; i < 4; i++) expect([...roundOrder(i)].sort()).toEqual(["compute", "concurrent", "floor", "plain"]);
  });

  it("wraps a view's query for the floor (count(*)) and for compute (count of whole rows)", () => {
    expect(floorQuery("select 1 as a")).toBe("select count(*) from (select 1 as a) as floor_query");
    expect(computeQuery("select 1 as a")).toBe("select count(q.*) from (select 1 as a) as q");
  });
});
