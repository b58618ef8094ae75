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
