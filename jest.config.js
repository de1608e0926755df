/** Two jest projects: fast unit tests (pure functions + Pulumi mocks) and integration tests on real hosts. */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  // Jest 30 cleans globals between files by default, which breaks @pulumi/pulumi's runtime state.
  testEnvironmentOptions: { globalsCleanup: "off" },
  // Type checking is done once by `tsc --noEmit` (npm test runs it first); ts-jest only transpiles.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: false }] },
  // The examples import the library by its package name, as a user's project does; here that is the source.
  moduleNameMapper: { "^pulumi-k8s-ha$": "<rootDir>/src", "^pulumi-k8s-ha/(.*)$": "<rootDir>/src/$1" },
  modulePathIgnorePatterns: ["<rootDir>/examples/.*/node_modules"],
};

module.exports = {
  // Mock suites take 2-7 s per hook on a loaded 2-core machine: Jest's 5 s default fails them spuriously. A global
  // option (Jest ignores testTimeout in a project's config); integration suites set their own with jest.setTimeout.
  testTimeout: 30_000,
  // Suites that power test hosts off run last (see the file).
  testSequencer: "<rootDir>/test/integration/sequencer.js",
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"] },
  ],
};
