// A deploy that cannot log in (wrong database password) through Pulumi's real runtime and
// dynamic-provider plugin on the project's Node line: it fails at the first database step,
// names the resource and the reason, and the password shows nowhere: not in the error, not in
// what the program printed or logged, not in the state file.
import { createFreshDatabase, FreshDatabase } from "../support/db";
import { engineFailure, postgresStack, StackEngine } from "./stackEngine";

const WRONG_PASSWORD = "Wr0ng-pa55word-e2e";
/** A guard against a hang (the inspect bug once made this take minutes); not a measurement. */
const RUN_TIMEOUT = 120_000;

describe("a failing deploy", () => {
  let database: FreshDatabase;
  let stack: StackEngine;

  beforeAll(async () => {
    database = await createFreshDatabase("e2e_fail");
    const url = new URL(database.url);
    url.password = WRONG_PASSWORD;
    stack = postgresStack(url.toString());
  });
  afterAll(async () => {
    await stack?.dispose();
    await database?.drop();
  });

  it("runs on the Node line that package.json engines names", () => {
    const engines = (require("../../package.json") as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`^${process.versions.node.split(".")[0]}`);
  });

  it(
    "reports the resource and the login failure, with the password redacted everywhere",
    async () => {
      const error = await engineFailure(stack.engine().up());
      expect(error.resource).toMatch(/^(extension|migration)-/);
      expect(error.message).toMatch(/password authentication failed/);
      expect(error.changes).toEqual([]);
      for (const text of [error.message, error.stack ?? "", error.output, stack.stateText()]) {
        expect(text).not.toContain(WRONG_PASSWORD);
        expect(text).not.toContain(encodeURIComponent(WRONG_PASSWORD));
      }
    },
    RUN_TIMEOUT,
  );
});
