import * as path from "node:path";

/** The repository root (this file runs compiled as `.bench-dist/bench/support/paths.js`). */
export const REPO_ROOT = path.resolve(__dirname, "../../..");

/** The compiled library (`.bench-dist/src`): the same `tsc` output as `dist/`, built with the benchmarks. */
export const COMPILED_LIBRARY = path.resolve(__dirname, "../../src");

/** A compiled benchmark child script, by its path under `bench/` without extension (e.g. `evaluation/child`). */
export function childScript(name: string): string {
  return path.resolve(__dirname, "..", `${name}.js`);
}
