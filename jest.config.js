// jest: unit tests (mocks), integration tests against a throwaway PostgreSQL 15 + pg_cron
// cluster that globalSetup starts (or TEST_DATABASE_URL), policy tests and end-to-end deploys.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  reporters: ["default", "<rootDir>/tests/support/summaryReporter.js"],
  globalSetup: "<rootDir>/tests/support/globalSetup.ts",
  globalTeardown: "<rootDir>/tests/support/globalTeardown.ts",
  // Two cores: two workers; database tests isolate themselves with fresh databases.
  maxWorkers: 2,
  testTimeout: 60_000,
  slowTestThreshold: 30,
};
