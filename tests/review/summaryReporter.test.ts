// The one-line summary jest ends with (tests/support/summaryReporter.js): a test file that fails
// to load runs no test, and must still show as a failure.
const SummaryReporter = require("../support/summaryReporter.js") as new () => { onRunComplete(contexts: unknown, results: Record<string, number>): void };

function summary(results: Record<string, number>): string {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    new SummaryReporter().onRunComplete(new Set(), { numPendingTests: 0, numTodoTests: 0, numRuntimeErrorTestSuites: 0, ...results });
  } finally {
    spy.mockRestore();
  }
  return written.join("");
}

describe("summary line", () => {
  it("counts passed, failed and skipped tests", () => {
    expect(summary({ numPassedTests: 5, numFailedTests: 1, numPendingTests: 2, numTodoTests: 1 })).toBe("jest: 5 passed, 1 failed, 3 skipped\n");
  });

  it("counts a test file that failed to load as a failure, and says so", () => {
    expect(summary({ numPassedTests: 0, numFailedTests: 0, numRuntimeErrorTestSuites: 1 })).toBe(
      "jest: 0 passed, 1 failed, 0 skipped (1 test file(s) failed to run)\n",
    );
  });
});
