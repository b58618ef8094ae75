// A jest reporter that ends the run with one plain line, "jest: N passed, N failed, N skipped",
// which CI logs and tools that do not know jest's own summary can read. A test file that fails
// to load or run (a syntax or type error, a throw at import)
// runs no test, so it counts as one failure of its own: "0 failed" must mean nothing failed.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    const failed = numFailedTests + numRuntimeErrorTestSuites;
    const unloaded = numRuntimeErrorTestSuites > 0 ? ` (${numRuntimeErrorTestSuites} test file(s) failed to run)` : "";
    process.stdout.write(`jest: ${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped${unloaded}\n`);
  }
}

module.exports = SummaryReporter;
