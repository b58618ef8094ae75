// The test engine against the Go engine's semantics (tests/support/engine/README.md cites the
// Go source for each): a small fixture project through Pulumi's real runtime and
// dynamic-provider plugin, with live objects in files.
import { UNKNOWN } from "../support/engine/wire";
import { fixtureStack, FixtureStack } from "../support/engine/fixtureStack";

/** Guards against a hung runtime; not a measurement. */
const RUN_TIMEOUT = 120_000;

const ops = (changes: { name: string; op: string }[]) => Object.fromEntries(changes.map((change) => [change.name, change.op]));

describe("preview", () => {
  let stack: FixtureStack;
  beforeEach(() => (stack = fixtureStack()));
  afterEach(() => stack.dispose());

  it(
    "of a create or an update returns the new inputs only: outputs that are not inputs are unknown downstream",
    async () => {
      const things = [{ name: "a", value: 1 }, { name: "b", keyFrom: "a" }];
      const created = await stack.engine(things).preview();
      expect(ops(created.changes)).toEqual({ a: "create", b: "create" });
      const b = created.state.resources.find((resource) => resource.name === "b");
      expect(b?.inputs.key).toBe(UNKNOWN);
      await stack.engine(things).up();

      // A label change updates a in place; its `ref` is an output, unknown in the preview, so b's
      // replace key is unknown and b previews as a replacement, as the Go engine shows it...
      const changed = [{ name: "a", value: 1, label: "new label" }, { name: "b", keyFrom: "a" }];
      const preview = await stack.engine(changed).preview();
      expect(ops(preview.changes)).toEqual({ a: "update", b: "replace" });
      const a = preview.state.resources.find((resource) => resource.name === "a");
      expect(a?.outputs).not.toHaveProperty("ref");
      expect(a?.outputs.label).toBe("new label");
      // ...while the update itself keeps `ref` and replaces nothing.
      const up = await stack.engine(changed).up();
      expect(ops(up.changes)).toEqual({ a: "update" });
    },
    RUN_TIMEOUT,
  );
});

describe("refresh", () => {
  let stack: FixtureStack;
  beforeEach(() => (stack = fixtureStack()));
  afterEach(() => stack.dispose());

  it(
    "is classified through the provider's Diff of the live state against the inputs, not by comparing outputs",
    async () => {
      const things = [{ name: "a", value: 1 }, { name: "b", value: 2 }];
      await stack.engine(things).up();
      // `extra` is an output the provider's Diff does not look at: it moved, nothing drifted...
      stack.setLive("a", { value: 1, extra: 5 });
      const quiet = await stack.engine(things).refresh({ dryRun: true });
      expect(quiet.drift).toEqual([]);
      expect(quiet.state.resources.find((resource) => resource.name === "a")?.outputs.extra).toBe(5);
      // ...while a declared value that differs live is drift.
      stack.setLive("b", { value: 7, extra: 0 });
      const drifted = await stack.engine(things).refresh({ dryRun: true });
      expect(drifted.drift).toEqual([{ name: "b", type: "pulumi-nodejs:dynamic/fixture:Thing", property: "value", old: 2, new: 7 }]);
    },
    RUN_TIMEOUT,
  );
});

describe("parallelism", () => {
  let stack: FixtureStack;
  beforeEach(() => (stack = fixtureStack()));
  afterEach(() => stack.dispose());

  const eight = Array.from({ length: 8 }, (_, index) => ({ name: `t${index}`, value: index }));

  it(
    "reads and steps run at once up to `parallel`, never more",
    async () => {
      // Each call waits (briefly) until 3 are running: the peak is the engine's limit, not luck.
      await stack.engine(eight, { parallel: 3, barrier: 3 }).up();
      expect(stack.peak("create")).toBe(3);
      await stack.engine(eight, { parallel: 3, barrier: 3 }).refresh();
      expect(stack.peak("read")).toBe(3);
      expect(stack.calls("read")).toHaveLength(8);
    },
    RUN_TIMEOUT,
  );

  it(
    "a step waits for what it depends on; deletes go dependents first",
    async () => {
      const chain = [{ name: "base" }, { name: "mid", dependsOn: ["base"] }, { name: "top", keyFrom: "mid" }, { name: "side" }];
      await stack.engine(chain, { parallel: 4, barrier: 2 }).up();
      const at = (prefix: string) => {
        const index = stack.lines().findIndex((line) => line.startsWith(prefix));
        if (index < 0) throw new Error(`no "${prefix}" in the provider-call log`);
        return index;
      };
      expect(at("end create base")).toBeLessThan(at("start create mid"));
      expect(at("end create mid")).toBeLessThan(at("start create top"));
      stack.clearLog();
      await stack.engine(chain, { parallel: 4, barrier: 2 }).destroy();
      expect(stack.calls("delete").sort()).toEqual(["base", "mid", "side", "top"]);
      expect(at("end delete top")).toBeLessThan(at("start delete mid"));
      expect(at("end delete mid")).toBeLessThan(at("start delete base"));
      // The two with nothing depending on them (top and side) were deleted together.
      expect(stack.peak("delete")).toBe(2);
    },
    RUN_TIMEOUT,
  );
});

describe("destroy", () => {
  let stack: FixtureStack;
  beforeEach(() => (stack = fixtureStack()));
  afterEach(() => stack.dispose());

  it(
    "previews first: a protected resource fails that preview and nothing is deleted",
    async () => {
      const things = [{ name: "kept", protect: true }, { name: "child", dependsOn: ["kept"] }];
      await stack.engine(things).up();
      const error = await stack
        .engine(things)
        .destroy()
        .then(
          () => undefined,
          (failure: unknown) => failure as Error & { changes: unknown[]; state: { resources: unknown[] } },
        );
      expect(error?.message).toMatch(/kept is protected/);
      expect(error?.changes).toEqual([]);
      expect(stack.live("child")).toBeDefined();
      expect(stack.calls("delete")).toEqual([]);
    },
    RUN_TIMEOUT,
  );
});

describe("a create that fails part-way", () => {
  let stack: FixtureStack;
  beforeEach(() => (stack = fixtureStack()));
  afterEach(() => stack.dispose());

  it(
    "is kept in state with its id, properties and reasons, and the next up updates it",
    async () => {
      const error = await stack
        .engine([{ name: "slow", value: 3, fail: "partial" }])
        .up()
        .then(
          () => undefined,
          (failure: unknown) => failure as Error & { changes: unknown[]; state: { resources: { name: string; id?: string; outputs: Record<string, unknown>; initErrors?: string[] }[] } },
        );
      expect(error?.message).toMatch(/slow was created but did not become healthy/);
      const slow = error?.state.resources.find((resource) => resource.name === "slow");
      expect(slow).toMatchObject({ id: "slow", outputs: { ref: "ref-slow", value: 3 }, initErrors: ["not healthy yet"] });
      expect(stack.live("slow")).toEqual({ value: 3, extra: 0 });
      // Same inputs, no diff: the next up still updates it to finish initialising, then it is clean.
      const next = await stack.engine([{ name: "slow", value: 3 }]).up();
      expect(ops(next.changes)).toEqual({ slow: "update" });
      expect(next.state.resources.find((resource) => resource.name === "slow")?.initErrors).toBeUndefined();
      expect(stack.calls("create")).toEqual(["slow"]);
    },
    RUN_TIMEOUT,
  );
});
