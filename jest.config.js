/** Two jest projects: fast unit tests (pure functions + Pulumi mocks) and integration tests on real hosts. */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  // Jest 30 cleans globals between files by default, which breaks @pulumi/pulumi's runtime state.
  testEnvironmentOptions: { globalsCleanup: "off" },
  // Type checking is done once by `tsc --noEmit` (npm test runs it first); ts-jest only transpiles.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: false }] },
};

module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"] },
  ],
};
